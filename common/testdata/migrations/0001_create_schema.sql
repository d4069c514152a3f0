-- Test-only owner; the integration tests run these against a scratch owner name.
CREATE SCHEMA IF NOT EXISTS common_test;
