-- The services' role: owns nothing, is no superuser and has no BYPASSRLS, so row-level
-- security holds for every query they make. The owner role (POSTGRES_USER, lagom) applies the
-- migrations, which grant lagom_app what it needs.
CREATE ROLE lagom_app LOGIN PASSWORD 'lagom-app-dev' NOSUPERUSER NOBYPASSRLS;
