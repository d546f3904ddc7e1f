package stixpattern

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// examplesDir holds the official STIX 2.1 example bundles (see
// shared/data/README.md), copied here with their BSD-3-Clause licence.
const examplesDir = "testdata/stix2.1-examples"

// examplePatterns returns every STIX pattern in the example bundles, keyed
// by "file: object id".
func examplePatterns(t testing.TB) map[string]string {
	t.Helper()
	found := map[string]string{}
	err := filepath.WalkDir(examplesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			return err
		}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				pattern, ok := v["pattern"].(string)
				kind, _ := v["pattern_type"].(string)
				if ok && (kind == "" || kind == "stix") {
					id, _ := v["id"].(string)
					found[filepath.Base(path)+": "+id] = pattern
				}
				for _, child := range v {
					walk(child)
				}
			case []any:
				for _, child := range v {
					walk(child)
				}
			}
		}
		walk(doc)
		return nil
	})
	if err != nil {
		t.Fatalf("reading the STIX 2.1 example bundles: %v", err)
	}
	return found
}

func TestParseAcceptsEveryExampleBundlePattern(t *testing.T) {
	patterns := examplePatterns(t)
	if len(patterns) < 40 {
		t.Fatalf("found only %d patterns in %s; the example bundles hold more", len(patterns), examplesDir)
	}
	for where, pattern := range patterns {
		p, err := Parse(pattern)
		if err != nil {
			t.Errorf("%s: %q: %v", where, pattern, err)
			continue
		}
		assertRoundTrip(t, p)
	}
}
