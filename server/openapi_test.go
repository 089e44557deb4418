package server

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// openAPIDoc is the part of openapi.json that the tests read.
type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components map[string]map[string]json.RawMessage `json:"components"`
}

type openAPIOperation struct {
	OperationID string                        `json:"operationId"`
	Parameters  []openAPIParameter            `json:"parameters"`
	RequestBody *openAPIRequestBody           `json:"requestBody"`
	Responses   map[string]openAPIResponse    `json:"responses"`
	Security    *[]map[string]json.RawMessage `json:"security"`
}

type openAPIParameter struct {
	Ref      string `json:"$ref"`
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
}

type openAPIRequestBody struct {
	Content map[string]struct {
		Schema openAPISchema `json:"schema"`
	} `json:"content"`
}

type openAPIResponse struct {
	Content map[string]struct {
		Schema openAPISchema `json:"schema"`
	} `json:"content"`
}

type openAPISchema struct {
	Ref                  string          `json:"$ref"`
	AdditionalProperties json.RawMessage `json:"additionalProperties"`
}

// slackCommandRoute is Slack's slash command, the one API route that
// takes a form and no token.
const slackCommandRoute = "POST /api/v1/integrations/slack/commands"

// githubWebhookRoute takes GitHub's event payloads, whose schema is
// GitHub's: ward reads the fields it needs and ignores the others.
const githubWebhookRoute = "POST /api/v1/integrations/github/webhook"

// httpMethods are the keys of an OpenAPI path item that name operations.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// loadOpenAPI parses the embedded document.
func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	return doc
}

// operations returns every operation of the document keyed as routes.go
// writes its patterns, such as "GET /api/v1/members/{email}".
func operations(t *testing.T, doc openAPIDoc) map[string]openAPIOperation {
	t.Helper()
	ops := map[string]openAPIOperation{}
	for path, item := range doc.Paths {
		for _, method := range httpMethods {
			raw, ok := item[method]
			if !ok {
				continue
			}
			var op openAPIOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("openapi.json: %s %s does not parse as an operation: %v", method, path, err)
			}
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return ops
}

// routeKey turns a ServeMux pattern into the form of an OpenAPI path:
// "{name...}" becomes "{name}" and the "{$}" end marker is dropped.
func routeKey(pattern string) string {
	method, path, _ := strings.Cut(pattern, " ")
	path = strings.ReplaceAll(strings.TrimSuffix(path, "{$}"), "...}", "}")
	return method + " " + path
}

func TestOpenAPICoversEveryRoute(t *testing.T) {
	doc := loadOpenAPI(t)
	documented := operations(t, doc)
	registered := map[string]bool{}
	for _, pattern := range New(Config{}).Routes() {
		key := routeKey(pattern)
		registered[key] = true
		if _, ok := documented[key]; !ok {
			t.Errorf("route %q is registered in routes.go but missing from the API description: add it to server/openapi.json", pattern)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(documented)) {
		if !registered[key] {
			t.Errorf("server/openapi.json documents %q, but routes.go registers no such route: update server/openapi.json", key)
		}
	}
}

func TestOpenAPIIsValid(t *testing.T) {
	doc := loadOpenAPI(t)
	ops := operations(t, doc)
	keys := slices.Sorted(maps.Keys(ops))

	t.Run("version", func(t *testing.T) {
		if !strings.HasPrefix(doc.OpenAPI, "3.1") {
			t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
		}
	})

	t.Run("refs", func(t *testing.T) {
		var tree any
		if err := json.Unmarshal(openAPI, &tree); err != nil {
			t.Fatal(err)
		}
		refs := collectRefs(tree, nil)
		if len(refs) == 0 {
			t.Fatal("no $ref in openapi.json; want components to be referenced")
		}
		for _, ref := range refs {
			if !strings.HasPrefix(ref, "#/components/") {
				t.Errorf("$ref %q does not point into #/components/", ref)
				continue
			}
			if _, ok := resolvePointer(tree, strings.TrimPrefix(ref, "#")); !ok {
				t.Errorf("$ref %q points to no component", ref)
			}
		}
	})

	t.Run("operations", func(t *testing.T) {
		statusRange := regexp.MustCompile(`^[1-5]XX$`)
		seen := map[string]string{}
		for _, key := range keys {
			op := ops[key]
			switch other, dup := seen[op.OperationID]; {
			case op.OperationID == "":
				t.Errorf("%s has no operationId", key)
			case dup:
				t.Errorf("%s and %s share the operationId %q", other, key, op.OperationID)
			default:
				seen[op.OperationID] = key
			}
			if len(op.Responses) == 0 {
				t.Errorf("%s documents no response", key)
			}
			for status := range op.Responses {
				if n, err := strconv.Atoi(status); (err != nil || n < 100 || n > 599) && !statusRange.MatchString(status) && status != "default" {
					t.Errorf("%s: response %q is not an HTTP status", key, status)
				}
			}
		}
	})

	t.Run("path parameters", func(t *testing.T) {
		template := regexp.MustCompile(`\{([^{}/]+)\}`)
		for _, key := range keys {
			_, path, _ := strings.Cut(key, " ")
			var pathLevel []openAPIParameter
			if raw, ok := doc.Paths[path]["parameters"]; ok {
				if err := json.Unmarshal(raw, &pathLevel); err != nil {
					t.Fatalf("%s: path parameters do not parse: %v", path, err)
				}
			}
			declared := map[string]bool{}
			for _, p := range append(pathLevel, ops[key].Parameters...) {
				p = resolveParameter(t, doc, p)
				if p.In != "path" {
					continue
				}
				if !p.Required {
					t.Errorf("%s: path parameter %q is not required: true", key, p.Name)
				}
				declared[p.Name] = true
			}
			inTemplate := map[string]bool{}
			for _, m := range template.FindAllStringSubmatch(path, -1) {
				inTemplate[m[1]] = true
				if !declared[m[1]] {
					t.Errorf("%s: {%s} is not declared as a path parameter", key, m[1])
				}
			}
			for name := range declared {
				if !inTemplate[name] {
					t.Errorf("%s: declares path parameter %q, which the path does not have", key, name)
				}
			}
		}
	})

	// The server answers every failure with the same JSON error body;
	// the HTML pages, outside /api/, answer it as a page.
	t.Run("error responses", func(t *testing.T) {
		for _, key := range keys {
			for status, resp := range ops[key].Responses {
				if status < "400" || status == "default" {
					continue
				}
				if _, html := resp.Content["text/html"]; html && isPage(key) && len(resp.Content) == 1 {
					continue
				}
				if got := resp.Content["application/json"].Schema.Ref; got != "#/components/schemas/Error" {
					t.Errorf("%s: response %s has schema $ref %q, want #/components/schemas/Error", key, status, got)
				}
			}
		}
	})

	// decode refuses unknown fields, so every request body must say so.
	// Raw mail is the one body that is not JSON.
	t.Run("request bodies", func(t *testing.T) {
		for _, key := range keys {
			rb := ops[key].RequestBody
			if rb == nil {
				continue
			}
			if _, form := rb.Content["application/x-www-form-urlencoded"]; form && isPage(key) && len(rb.Content) == 1 {
				continue
			}
			if _, mail := rb.Content["message/rfc822"]; mail && key == "POST /api/v1/inbox/messages" && len(rb.Content) == 1 {
				continue
			}
			// Slack posts its slash command as a form, and the handler
			// reads it as one: there are no unknown fields to refuse.
			if _, form := rb.Content["application/x-www-form-urlencoded"]; form && key == slackCommandRoute && len(rb.Content) == 1 {
				continue
			}
			media, ok := rb.Content["application/json"]
			if ok && key == githubWebhookRoute && len(rb.Content) == 1 {
				continue
			}
			if !ok || len(rb.Content) != 1 {
				t.Errorf("%s: request body content types = %v, want only application/json", key, slices.Sorted(maps.Keys(rb.Content)))
				continue
			}
			schema := media.Schema
			if schema.Ref != "" {
				name := strings.TrimPrefix(schema.Ref, "#/components/schemas/")
				if err := json.Unmarshal(doc.Components["schemas"][name], &schema); err != nil {
					t.Fatalf("%s: schema %s does not parse: %v", key, name, err)
				}
			}
			if got := string(schema.AdditionalProperties); got != "false" {
				t.Errorf("%s: request body schema has additionalProperties %q, want false: the server refuses unknown fields", key, got)
			}
		}
	})

	t.Run("security", func(t *testing.T) {
		// Operations that say nothing inherit the document's security:
		// without it, every one of them would read as public.
		var global struct {
			Security []map[string][]string `json:"security"`
		}
		if err := json.Unmarshal(openAPI, &global); err != nil {
			t.Fatal(err)
		}
		if len(global.Security) == 0 || len(global.Security[0]) == 0 {
			t.Fatalf("the document has no global security requirement: %+v", global.Security)
		}
		public := []string{"GET /healthz", "GET /readyz", "GET /api/v1/openapi.json", "GET /calendar/{file}",
			"GET /api/v1/reporter/{key}", "POST /api/v1/reporter/{key}/actions",
			"GET /report", "POST /report", "GET /r/{key}", "POST /r/{key}", "GET /static/ward.css",
			"GET /login", "POST /login", "GET /login/link/{secret}", "POST /login/link/{secret}", "GET /static/desk.js",
			"GET /login/oidc", "GET /login/oidc/callback",
			"POST /api/v1/distributors/requests", "GET /distributors/join", "POST /distributors/join", "GET /distributors/join/thanks",
			// Slack cannot send a token: it signs each request with the
			// app's signing secret, which the handler verifies instead;
			// GitHub signs its webhook's deliveries likewise.
			slackCommandRoute, githubWebhookRoute}
		for _, key := range keys {
			sec := ops[key].Security
			// No page takes a token: the public ones need nothing, the
			// desk's a signed-in session.
			isPublic := slices.Contains(public, key)
			switch {
			case isPublic && (sec == nil || len(*sec) != 0):
				t.Errorf("%s needs no token, so want security: []", key)
			case !isPublic && isPage(key):
				// The desk's other pages need a session, not a token.
				if sec == nil || len(*sec) != 1 || len((*sec)[0]) != 1 || (*sec)[0]["sessionCookie"] == nil {
					t.Errorf("%s is a page behind sign-in, so want security: [{\"sessionCookie\": []}]", key)
				}
			case !isPublic && sec != nil:
				t.Errorf("%s needs a token, so want the global security, not its own", key)
			}
		}
	})
}

// TestOpenAPICalendarFeed holds the description of the calendar feed, the
// one route that answers something other than JSON, to what it serves: an
// iCalendar body with an ETag, 304 for a matching If-None-Match, no token.
func TestOpenAPICalendarFeed(t *testing.T) {
	const key = "GET /calendar/{file}"
	doc := loadOpenAPI(t)
	op, ok := operations(t, doc)[key]
	if !ok {
		t.Fatalf("%s is not documented", key)
	}
	var headers map[string]struct {
		Headers map[string]json.RawMessage `json:"headers"`
	}
	var raw struct {
		Responses json.RawMessage `json:"responses"`
	}
	if err := json.Unmarshal(doc.Paths["/calendar/{file}"]["get"], &raw); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw.Responses, &headers); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(op.Responses["200"].Content)); !slices.Equal(got, []string{"text/calendar"}) {
		t.Errorf("%s: 200 content types = %v, want only text/calendar", key, got)
	}
	if _, ok := op.Responses["304"]; !ok {
		t.Errorf("%s documents no 304: a matching If-None-Match is answered so", key)
	} else if len(op.Responses["304"].Content) != 0 {
		t.Errorf("%s: a 304 has no body, but content is documented", key)
	}
	for _, status := range []string{"200", "304"} {
		if _, ok := headers[status].Headers["ETag"]; !ok {
			t.Errorf("%s: response %s documents no ETag header", key, status)
		}
	}

	// The server must agree that no token is needed: without one the
	// route answers its own 404, not the middleware's 401.
	rec := httptest.NewRecorder()
	New(Config{}).Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/calendar/not-a-feed", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET /calendar/not-a-feed without a token = %d, want 404", rec.Code)
	}
}

// TestOpenAPIErrorCodes holds the documented error codes to the ones the
// server can answer with.
func TestOpenAPIErrorCodes(t *testing.T) {
	doc := loadOpenAPI(t)
	var schema struct {
		Properties struct {
			Error struct {
				Properties struct {
					Code struct {
						Enum []string `json:"enum"`
					} `json:"code"`
				} `json:"properties"`
			} `json:"error"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(doc.Components["schemas"]["Error"], &schema); err != nil {
		t.Fatalf("the Error schema does not parse: %v", err)
	}
	got := slices.Sorted(slices.Values(schema.Properties.Error.Properties.Code.Enum))
	want := slices.Sorted(maps.Keys(statusOf))
	if !slices.Equal(got, want) {
		t.Errorf("Error code enum = %q, want the codes of statusOf %q: update server/openapi.json", got, want)
	}

	statuses := map[string]bool{}
	for _, status := range statusOf {
		statuses[strconv.Itoa(status)] = true
	}
	ops := operations(t, doc)
	for _, key := range slices.Sorted(maps.Keys(ops)) {
		for status := range ops[key].Responses {
			if status >= "400" && status != "default" && !statuses[status] {
				t.Errorf("%s documents status %s, which no error code maps to", key, status)
			}
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	s := New(Config{})
	req := httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	res := rec.Result()

	if res.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want %d", res.StatusCode, http.StatusOK)
	}
	if mt, _, err := mime.ParseMediaType(res.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", res.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, openAPI) {
		t.Errorf("body is %d bytes that differ from the %d embedded bytes of openapi.json", len(body), len(openAPI))
	}
}

// isPage reports whether an operation, keyed as "GET /r/{key}", is one of
// the HTML pages, which live outside /api/ and /calendar/.
func isPage(key string) bool {
	_, path, _ := strings.Cut(key, " ")
	return !strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/calendar/") && path != "/healthz" && path != "/readyz"
}

// collectRefs returns the value of every "$ref" key in a decoded JSON tree.
func collectRefs(v any, refs []string) []string {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "$ref" {
				refs = append(refs, s)
				continue
			}
			refs = collectRefs(x, refs)
		}
	case []any:
		for _, x := range v {
			refs = collectRefs(x, refs)
		}
	}
	return refs
}

// resolvePointer follows a JSON pointer such as "/components/schemas/Error".
func resolvePointer(v any, pointer string) (any, bool) {
	if pointer == "" {
		return v, true
	}
	for _, token := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		token = strings.ReplaceAll(strings.ReplaceAll(token, "~1", "/"), "~0", "~")
		switch node := v.(type) {
		case map[string]any:
			x, ok := node[token]
			if !ok {
				return nil, false
			}
			v = x
		case []any:
			i, err := strconv.Atoi(token)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			v = node[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// resolveParameter returns p itself, or the component its $ref names.
func resolveParameter(t *testing.T, doc openAPIDoc, p openAPIParameter) openAPIParameter {
	t.Helper()
	if p.Ref == "" {
		return p
	}
	name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/")
	raw, found := doc.Components["parameters"][name]
	if !ok || !found {
		t.Errorf("parameter $ref %q names no component parameter", p.Ref)
		return openAPIParameter{}
	}
	var resolved openAPIParameter
	if err := json.Unmarshal(raw, &resolved); err != nil {
		t.Fatalf("parameter %s does not parse: %v", name, err)
	}
	return resolved
}
