package api

import (
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"bulwark/internal/access"
)

var pathParam = regexp.MustCompile(`\{([a-zA-Z_]+)\}`)

// OpenAPI builds the OpenAPI 3.1 document from the API's own route table,
// so that a route cannot exist without being described.
func OpenAPI(routes []access.Route, version string) map[string]any {
	paths := map[string]map[string]any{}
	schemas := map[string]any{
		"Problem": map[string]any{
			"type": "object",
			"properties": map[string]any{
				"type": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"},
				"status": map[string]any{"type": "integer"}, "detail": map[string]any{"type": "string"},
				"instance": map[string]any{"type": "string"}, "errors": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
			},
			"required": []string{"type", "title", "status"},
		},
	}
	for _, rt := range routes {
		if !rt.API || rt.Doc == nil {
			continue
		}
		d := rt.Doc
		op := map[string]any{
			"summary":     d.Summary,
			"operationId": operationID(rt),
			"tags":        []string{d.Tag},
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Pattern, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		query := d.Query
		if d.List {
			query = append(query,
				access.Param{Name: "limit", Type: "integer", Description: "items per page (1 to 500, default 50)"},
				access.Param{Name: "cursor", Type: "string", Description: "next_cursor from the previous page"})
		}
		for _, q := range query {
			t := q.Type
			if t == "" {
				t = "string"
			}
			params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Description, "schema": map[string]any{"type": t}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if d.Body != nil {
			name := schemaFor(reflect.TypeOf(d.Body), schemas)
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": name}}}
		}
		status := d.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if d.Response != nil {
			s := schemaFor(reflect.TypeOf(d.Response), schemas)
			if d.List {
				s = map[string]any{"type": "object", "properties": map[string]any{
					"items":       map[string]any{"type": "array", "items": s},
					"next_cursor": map[string]any{"type": "string", "description": "absent on the last page"},
				}, "required": []string{"items"}}
			}
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": s}}
		}
		problem := map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}
		responses := map[string]any{itoa(status): ok}
		if rt.Perm != "" {
			responses["401"] = map[string]any{"description": "no valid token", "content": problem}
			responses["403"] = map[string]any{"description": "the token's role does not allow this", "content": problem}
			op["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"basic": []string{}}}
			op["x-permission"] = string(rt.Perm)
		} else {
			op["security"] = []any{}
		}
		responses["default"] = map[string]any{"description": "an error", "content": problem}
		op["responses"] = responses
		if paths[rt.Pattern] == nil {
			paths[rt.Pattern] = map[string]any{}
		}
		paths[rt.Pattern][strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Bulwark API",
			"version":     version,
			"description": "The JSON API of Bulwark. Authenticate with an API token as a Bearer token, or as the password of HTTP Basic. Lists are paginated with limit and cursor; errors are RFC 9457 problem documents.",
		},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer"},
				"basic":  map[string]any{"type": "http", "scheme": "basic", "description": "any user name; the password is an API token"},
			},
		},
	}
}

func operationID(rt access.Route) string {
	parts := strings.FieldsFunc(rt.Pattern, func(r rune) bool { return r == '/' || r == '{' || r == '}' || r == '-' || r == '.' })
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, p := range parts {
		if p == "api" || p == "v1" {
			continue
		}
		b.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }

var timeType = reflect.TypeOf(time.Time{})

// schemaFor returns a JSON schema for t, registering named structs under
// components and answering with a $ref to them.
func schemaFor(t reflect.Type, schemas map[string]any) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaFor(t.Elem(), schemas)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaFor(t.Elem(), schemas)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
	default:
		return map[string]any{}
	}
	name := t.Name()
	if name != "" {
		if _, done := schemas[name]; done {
			return map[string]any{"$ref": "#/components/schemas/" + name}
		}
		schemas[name] = map[string]any{} // placeholder against recursion
	}
	props := map[string]any{}
	var required []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		fname, opts, _ := strings.Cut(tag, ",")
		if fname == "" {
			fname = f.Name
		}
		props[fname] = schemaFor(f.Type, schemas)
		if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
			required = append(required, fname)
		}
	}
	sort.Strings(required)
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	if name == "" {
		return s
	}
	schemas[name] = s
	return map[string]any{"$ref": "#/components/schemas/" + name}
}
