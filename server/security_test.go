package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// testApp: a throwaway PocketBase (SQLite through the server's own driver) with two collections that
// relate like conversations and messages, and the security guards bound.
func testApp(t testing.TB) *tests.TestApp {
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: t.TempDir(), DBConnect: durableDBConnect})
	if err != nil {
		t.Fatal(err)
	}
	posts := core.NewBaseCollection("posts")
	posts.ListRule = new(string)
	posts.Fields.Add(&core.TextField{Name: "title"}, &core.JSONField{Name: "meta"}, &core.TextField{Name: "secret", Hidden: true})
	if err := app.Save(posts); err != nil {
		t.Fatal(err)
	}
	comments := core.NewBaseCollection("comments")
	comments.ListRule = new(string)
	comments.Fields.Add(&core.TextField{Name: "body"}, &core.RelationField{Name: "post", CollectionId: posts.Id, MaxSelect: 1})
	if err := app.Save(comments); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB().NewQuery("CREATE TABLE auth_lockouts (identity TEXT PRIMARY KEY, failures INTEGER, locked_until INTEGER, last_failure INTEGER)").Execute(); err != nil {
		t.Fatal(err)
	}
	publicDir := t.TempDir()
	html := "<html><body><script>\n\tboot();\n</script></body></html>"
	if err := os.WriteFile(filepath.Join(publicDir, "index.html"), []byte(html), 0o600); err != nil {
		t.Fatal(err)
	}
	registerFilterGuard(app)
	registerAuthGuard(app)
	registerWebGuard(app, publicDir)
	return app
}

func TestCheckQueryAccess(t *testing.T) {
	posts := core.NewBaseCollection("posts")
	posts.Fields.Add(&core.TextField{Name: "title"}, &core.JSONField{Name: "meta"}, &core.TextField{Name: "secret", Hidden: true}, &core.RelationField{Name: "author", CollectionId: "x"})
	conversations := core.NewBaseCollection("conversations")
	conversations.Fields.Add(&core.JSONField{Name: "tags"}, &core.TextField{Name: "status"})

	cases := []struct {
		name             string
		c                *core.Collection
		role, filt, sort string
		refused          string // the parameter refused, or ""
	}{
		{"own field", posts, "sales", `title ~ "a" && id != ""`, "-title,id", ""},
		{"json path", posts, "sales", `meta.color = "red"`, "", ""},
		{"modifiers", posts, "sales", `title:lower = "a" && meta:length > 1 && meta:each ~ "x"`, "", ""},
		{"literals and macros", posts, "guest", `title != null && title > @todayStart && (title = true || title = false)`, "@random", ""},
		{"back-relation", posts, "visitor", `comments_via_post.body !~ "a"`, "", "filter"},
		{"relation traversal", posts, "manager", `author.email ~ "@"`, "", "filter"},
		{"relation id traversal", posts, "admin", `author.id = "x"`, "", "filter"},
		{"relation id itself", posts, "sales", `author = "x"`, "", ""},
		{"hidden field", posts, "admin", `secret = "x"`, "", "filter"},
		{"nested group", posts, "sales", `(title = "a" || (meta.x = 1 && comments_via_post.body ~ "z"))`, "", "filter"},
		{"function argument", posts, "sales", `strftime('%Y', comments_via_post.created) = "2026"`, "", "filter"},
		{"request macro", posts, "sales", `@request.auth.id != ""`, "", "filter"},
		{"collection join", posts, "sales", `@collection.customers.notes ~ "a"`, "", "filter"},
		{"isset modifier", posts, "sales", `title:isset = true`, "", "filter"},
		{"sort by back-relation", posts, "agent", "", "-comments_via_post.body", "sort"},
		{"sort by hidden", posts, "agent", "", "secret", "sort"},
		{"hidden from the role", conversations, "visitor", `tags ?~ "vip"`, "", "filter"},
		{"the same for staff", conversations, "agent", `tags ?~ "vip"`, "tags", ""},
		{"superuser may", posts, "superuser", `comments_via_post.body ~ "a"`, "secret", ""},
		{"unreadable filter left to PocketBase", posts, "sales", `title ~`, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := checkQueryAccess(c.c, c.role, c.filt, c.sort)
			got := ""
			if bad != nil {
				got = bad.Param
			}
			if got != c.refused {
				t.Fatalf("refused %q, want %q (%v)", got, c.refused, bad)
			}
		})
	}
}

func TestLockoutDuration(t *testing.T) {
	want := map[int]time.Duration{0: 0, 4: 0, 5: 30 * time.Second, 6: time.Minute, 7: 2 * time.Minute, 12: 64 * time.Minute, 13: time.Hour, 40: time.Hour}
	for n, d := range want {
		if got := lockoutDuration(n); got != min(d, time.Hour) {
			t.Errorf("lockoutDuration(%d) = %v, want %v", n, got, d)
		}
	}
}

func TestNormalizeOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://Shop.Example":       "https://shop.example",
		"https://shop.example/":      "https://shop.example",
		"http://127.0.0.1:8080":      "http://127.0.0.1:8080",
		"https://shop.example/path":  "",
		"javascript:alert(1)":        "",
		"shop.example":               "",
		"https://u:p@shop.example":   "",
		"https://shop.example?x=1":   "",
		" https://a.example.com  ":   "https://a.example.com",
		"ftp://shop.example":         "",
		"https://shop.example:8443/": "https://shop.example:8443",
	} {
		if got := normalizeOrigin(in); got != want {
			t.Errorf("normalizeOrigin(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for ip, want := range map[string]bool{"127.0.0.1": true, "127.0.0.9": true, "::1": true, "::ffff:127.0.0.1": true, "10.0.0.1": false, "192.0.2.1": false, "": false} {
		if isLoopback(ip) != want {
			t.Errorf("isLoopback(%q) != %v", ip, want)
		}
	}
}

func TestCheckSignedCustomer(t *testing.T) {
	now := time.Now()
	ctx := eventContext{now: now.UnixMilli(), kind: "browser", identitySecret: "s3cret"}
	ts := now.Unix()
	good := map[string]any{"customer_ts": float64(ts), "customer_sig": signCustomer("s3cret", "U1", ts)}
	if p := checkSignedCustomer(good, "U1", ctx); p != nil {
		t.Fatalf("a good signature refused: %v", p)
	}
	cases := map[string]struct {
		raw  map[string]any
		id   string
		ctx  eventContext
		code string
	}{
		"unsigned":         {map[string]any{}, "U1", ctx, "identity_unsigned"},
		"another customer": {good, "U2", ctx, "identity_invalid"},
		"wrong secret":     {map[string]any{"customer_ts": float64(ts), "customer_sig": signCustomer("other", "U1", ts)}, "U1", ctx, "identity_invalid"},
		"too old":          {map[string]any{"customer_ts": float64(ts - 8*24*3600), "customer_sig": signCustomer("s3cret", "U1", ts-8*24*3600)}, "U1", ctx, "identity_expired"},
		"no secret here":   {good, "U1", eventContext{now: ctx.now, kind: "browser"}, "identity_unsigned"},
	}
	for name, c := range cases {
		if p := checkSignedCustomer(c.raw, c.id, c.ctx); p == nil || p.Code != c.code {
			t.Errorf("%s: got %v, want %s", name, p, c.code)
		}
	}
}

func TestGuardsOverHTTP(t *testing.T) {
	headers := func(t testing.TB, res *http.Response) {
		for _, h := range []string{"X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy"} {
			if res.Header.Get(h) == "" {
				t.Errorf("no %s header", h)
			}
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name:            "a filter through a back-relation is refused",
			Method:          http.MethodGet,
			URL:             `/api/collections/posts/records?filter=` + urlQuery(`comments_via_post.body ~ "a"`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"field_not_allowed"`, `"filter"`},
			TestAppFactory:  testApp,
			AfterTestFunc:   func(t testing.TB, app *tests.TestApp, res *http.Response) { headers(t, res) },
		},
		{
			Name:            "a sort through a relation is refused",
			Method:          http.MethodGet,
			URL:             `/api/collections/comments/records?sort=-post.title`,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"sort"`},
			TestAppFactory:  testApp,
		},
		{
			Name:            "own fields are fine",
			Method:          http.MethodGet,
			URL:             `/api/collections/posts/records?filter=` + urlQuery(`title ~ "a" && meta.x = 1`) + `&sort=-title`,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"items":[]`},
			TestAppFactory:  testApp,
		},
		{
			Name:            "the dashboard is not served from another machine",
			Method:          http.MethodGet,
			URL:             "/_/",
			ExpectedStatus:  404,
			ExpectedContent: []string{`"status":404`},
			TestAppFactory:  testApp,
		},
		{
			Name:            "superuser sign-in only from this machine",
			Method:          http.MethodPost,
			URL:             "/api/collections/_superusers/auth-with-password",
			Body:            strings.NewReader(`{"identity":"a@example.test","password":"x"}`),
			ExpectedStatus:  403,
			ExpectedContent: []string{`own machine`},
			TestAppFactory:  testApp,
		},
		{
			Name:   "the ingestion answers any shop origin; the staff API none",
			Method: http.MethodOptions,
			URL:    "/api/collections/posts/records",
			Headers: map[string]string{
				"Origin":                        "https://evil.example",
				"Access-Control-Request-Method": "GET",
			},
			ExpectedStatus: 204,
			TestAppFactory: testApp,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if v := res.Header.Get("Access-Control-Allow-Origin"); v != "" {
					t.Errorf("the staff API allowed %q", v)
				}
			},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func TestAppCSP(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.html")
	if err := os.WriteFile(path, []byte("<script>\n\tboot();\n</script><script src=\"/x.js\"></script>"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := &inlineScriptHashes{path: path}
	got := h.get()
	// sha256 of "\n\tboot();\n", base64
	if !strings.HasPrefix(got, "'sha256-") || strings.Count(got, "sha256-") != 1 {
		t.Fatalf("hashes %q", got)
	}
	csp := appCSP(got, "'self'")
	if strings.Contains(csp, "'unsafe-inline'") && strings.Contains(strings.Split(strings.Split(csp, "script-src")[1], ";")[0], "unsafe") {
		t.Fatalf("inline script allowed: %s", csp)
	}
	for _, want := range []string{"connect-src 'self'", "frame-ancestors 'self'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("no %q in %s", want, csp)
		}
	}
}

func urlQuery(s string) string {
	r := strings.NewReplacer(" ", "%20", `"`, "%22", "~", "%7E", "&", "%26", "=", "%3D")
	return r.Replace(s)
}
