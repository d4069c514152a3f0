// chart-render renders a Helm chart's templates the way `helm template` does, for the offline
// checks (tools/check-deploy) on machines without Helm, which Debian does not package. It runs
// the same engine Helm is built on -- Go's text/template with the Sprig functions -- plus
// Helm's own functions the chart uses (include, tpl, required, toYaml, fromYaml).
// Not covered: lookup, .Capabilities beyond the version, .Files, subcharts.
//
//	chart-render CHART_DIR [VALUES.yaml...]   prints the rendered manifests on stdout
//
// Extra values files are merged over the chart's values.yaml, later ones winning.
// Build: GO111MODULE=off GOPATH=/usr/share/gocode go build (Debian's golang-* packages).
package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v2"
)

type values = map[string]interface{}

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "chart-render: "+format+"\n", args...)
	os.Exit(1)
}

// normalize turns yaml.v2's map[interface{}]interface{} into map[string]interface{}, and
// every number into a float64, as Helm's values are: Helm reads YAML through JSON
// (sigs.k8s.io/yaml), so 8388608 reaches the templates as float64(8388608), which toString
// and printf "%v" write as 8.388608e+06.
func normalize(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := values{}
		for k, e := range t {
			m[fmt.Sprint(k)] = normalize(e)
		}
		return m
	case []interface{}:
		for i, e := range t {
			t[i] = normalize(e)
		}
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case uint64:
		return float64(t)
	}
	return v
}

// jsonNumbers is v with every whole float64 as an int64, for toYaml: Helm's goes through
// encoding/json, which writes float64(8388608) as 8388608 where yaml.v2 writes 8.388608e+06.
func jsonNumbers(v interface{}) interface{} {
	switch t := v.(type) {
	case values:
		m := values{}
		for k, e := range t {
			m[k] = jsonNumbers(e)
		}
		return m
	case map[interface{}]interface{}:
		m := map[interface{}]interface{}{}
		for k, e := range t {
			m[k] = jsonNumbers(e)
		}
		return m
	case []interface{}:
		l := make([]interface{}, len(t))
		for i, e := range t {
			l[i] = jsonNumbers(e)
		}
		return l
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1e18 {
			return int64(t)
		}
	}
	return v
}

func readYAML(path string) values {
	data, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		die("%s: %v", path, err)
	}
	if raw == nil {
		return values{}
	}
	m, ok := normalize(raw).(values)
	if !ok {
		die("%s: not a map", path)
	}
	return m
}

// mergeInto sets src's values over dst's, recursing into maps.
func mergeInto(dst, src values) {
	for k, v := range src {
		if sm, ok := v.(values); ok {
			if dm, ok := dst[k].(values); ok {
				mergeInto(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

func toYAML(v interface{}) string {
	data, err := yaml.Marshal(jsonNumbers(v))
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func main() {
	if len(os.Args) < 2 {
		die("usage: chart-render CHART_DIR [VALUES.yaml...]")
	}
	dir := os.Args[1]
	chart := readYAML(filepath.Join(dir, "Chart.yaml"))
	vals := readYAML(filepath.Join(dir, "values.yaml"))
	for _, extra := range os.Args[2:] {
		mergeInto(vals, readYAML(extra))
	}
	top := map[string]interface{}{
		"Values": vals,
		"Chart": map[string]interface{}{
			"Name": chart["name"], "Version": chart["version"], "AppVersion": chart["appVersion"],
		},
		"Release": map[string]interface{}{
			"Name": "lagom", "Namespace": "lagom", "Service": "Helm", "IsInstall": true,
			"IsUpgrade": false, "Revision": 1,
		},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": "v1.30.0", "Major": "1", "Minor": "30"},
		},
	}

	root := template.New("chart").Option("missingkey=zero")
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env") // as in Helm: templates do not read the environment
	delete(funcs, "expandenv")
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = func(s string) values {
		var raw interface{}
		if err := yaml.Unmarshal([]byte(s), &raw); err != nil {
			return values{"Error": err.Error()}
		}
		m, _ := normalize(raw).(values)
		return m
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil || v == "" {
			return nil, fmt.Errorf("%s", msg)
		}
		return v, nil
	}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		err := root.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		if t, err = t.New("tpl").Parse(text); err != nil {
			return "", err
		}
		var buf bytes.Buffer
		err = t.Execute(&buf, data)
		return buf.String(), err
	}
	root.Funcs(funcs)

	files, err := filepath.Glob(filepath.Join(dir, "templates", "*"))
	if err != nil {
		die("%v", err)
	}
	sort.Strings(files)
	var rendered []string
	for _, f := range files {
		base := filepath.Base(f)
		if !strings.HasSuffix(base, ".yaml") && !strings.HasSuffix(base, ".tpl") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			die("%v", err)
		}
		if _, err := root.New(base).Parse(string(data)); err != nil {
			die("%v", err)
		}
		if !strings.HasPrefix(base, "_") && strings.HasSuffix(base, ".yaml") {
			rendered = append(rendered, base)
		}
	}
	name := fmt.Sprint(chart["name"])
	for _, base := range rendered {
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, base, top); err != nil {
			die("%v", err)
		}
		out := strings.ReplaceAll(buf.String(), "<no value>", "")
		if strings.TrimSpace(out) == "" {
			continue
		}
		fmt.Printf("---\n# Source: %s/templates/%s\n%s\n", name, base, strings.TrimSpace(out))
	}
}
