// What browsers are told about the app (README "Security"):
//
//   - every answer: X-Content-Type-Options, Referrer-Policy, Permissions-Policy;
//   - the app's pages: a Content-Security-Policy with no inline script except SvelteKit's boot script,
//     allowed by its hash (read from the built index.html), connections to this origin only, and
//     framing by this origin only; /chat-widget may be framed by the shop's origins (Settings → Shop
//     connections, or CRM_CHAT_FRAME_ANCESTORS), by any site until some are set;
//   - CORS: the shop's pages may call the event ingestion from any origin (a browser key is public by
//     nature); the staff API answers no other origin unless CRM_CORS_ORIGINS lists it;
//   - the demo storefront (/demo-shop/) only with CRM_DEMO_SHOP=on.
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
)

// publicCORSPaths: APIs a shop's own pages call from the shop's origin.
var publicCORSPaths = []string{"/api/crm/events", "/api/crm/onsite"}

func isPublicCORSPath(path string) bool {
	for _, p := range publicCORSPaths {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

func demoShopEnabled() bool {
	return strings.EqualFold(strings.TrimSpace(os.Getenv("CRM_DEMO_SHOP")), "on")
}

// inlineScriptHashes reads the built app's index.html and returns the CSP hashes of its inline scripts,
// again whenever the file changes (a new build).
type inlineScriptHashes struct {
	path    string
	mu      sync.Mutex
	modTime time.Time
	hashes  string
}

var inlineScriptRe = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

func (h *inlineScriptHashes) get() string {
	info, err := os.Stat(h.path)
	if err != nil {
		return ""
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if info.ModTime().Equal(h.modTime) {
		return h.hashes
	}
	html, err := os.ReadFile(h.path)
	if err != nil {
		return h.hashes
	}
	var parts []string
	for _, m := range inlineScriptRe.FindAllSubmatch(html, -1) {
		sum := sha256.Sum256(m[1])
		parts = append(parts, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	h.modTime, h.hashes = info.ModTime(), strings.Join(parts, " ")
	return h.hashes
}

// appCSP is the policy of the app's pages; frameAncestors is "'self'" or the shop origins.
func appCSP(scriptHashes, frameAncestors string) string {
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self' " + scriptHashes,
		// Svelte writes style attributes; no script can run from a style.
		"style-src 'self' 'unsafe-inline'",
		// https: the product catalogue's pictures, on the shop's own image host (shown with no referrer).
		"img-src 'self' data: blob: https:",
		"font-src 'self'",
		"connect-src 'self'",
		"worker-src 'self'",
		"manifest-src 'self'",
		"frame-src 'self'",
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		"frame-ancestors " + frameAncestors,
	}, "; ")
}

// shopOrigins: the shop's web origins, kept in crm_settings (key "shop_origins") by an admin, plus
// CRM_CHAT_FRAME_ANCESTORS. Cached; saving them resets the cache.
type shopOrigins struct {
	mu     sync.Mutex
	cached []string
	loaded bool
}

func (s *shopOrigins) reset() {
	s.mu.Lock()
	s.loaded = false
	s.mu.Unlock()
}

func (s *shopOrigins) get(app core.App) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded {
		return s.cached
	}
	stored := readShopOrigins(app)
	env := strings.Fields(os.Getenv("CRM_CHAT_FRAME_ANCESTORS"))
	s.cached, s.loaded = append(stored, env...), true
	return s.cached
}

func readShopOrigins(app core.App) []string {
	var raw string
	err := app.DB().NewQuery("SELECT value FROM crm_settings WHERE key = 'shop_origins'").Row(&raw)
	if err != nil {
		return nil
	}
	var origins []string
	_ = json.Unmarshal([]byte(raw), &origins)
	return origins
}

// normalizeOrigin accepts "https://shop.example" (scheme and host, optional port) and returns it in
// the form browsers send, or "".
func normalizeOrigin(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

func registerWebGuard(app core.App, publicDir string) {
	hashes := &inlineScriptHashes{path: filepath.Join(publicDir, "index.html")}
	origins := &shopOrigins{}
	extraCORS := strings.Fields(os.Getenv("CRM_CORS_ORIGINS"))
	publicCORS := apis.CORS(apis.CORSConfig{AllowOrigins: []string{"*"}, AllowHeaders: []string{"Authorization", "Content-Type"}})
	staffCORS := apis.CORS(apis.CORSConfig{AllowOriginFunc: func(origin string) (bool, error) {
		for _, o := range extraCORS {
			if o == origin {
				return true, nil
			}
		}
		return false, nil
	}})

	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(se *core.ServeEvent) error {
			// PocketBase's own CORS (any origin everywhere) goes; ours takes its place. A new id: Unbind
			// also excludes the old id from the routes made so far.
			se.Router.Unbind(apis.DefaultCorsMiddlewareId)
			se.Router.Bind(&hook.Handler[*core.RequestEvent]{
				Id:       "crmCors",
				Priority: apis.DefaultCorsMiddlewarePriority,
				Func: func(e *core.RequestEvent) error {
					h := e.Response.Header()
					h.Set("X-Content-Type-Options", "nosniff")
					h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
					h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()")
					if isPublicCORSPath(e.Request.URL.Path) {
						return publicCORS.Func(e)
					}
					return staffCORS.Func(e)
				},
			})
			// PocketBase's rate limits answer a bare 429: say when to retry, in the shape of the app's own
			// refusals (data.ip.code = "rate_limited").
			se.Router.Bind(&hook.Handler[*core.RequestEvent]{
				Id:       "crmRateLimitAnswer",
				Priority: apis.DefaultRateLimitMiddlewarePriority - 1,
				Func: func(e *core.RequestEvent) error {
					err := e.Next()
					var apiErr *router.ApiError
					if !errors.As(err, &apiErr) || apiErr.Status != http.StatusTooManyRequests || e.Response.Header().Get("Retry-After") != "" {
						return err
					}
					return rateLimitedError(e)
				},
			})
			if demoShopEnabled() {
				// The demo storefront cannot keep a secret: the CRM signs its "log in as" itself.
				se.Router.POST("/api/crm/demo/identity", demoIdentity)
			}
			se.Router.GET("/api/crm/settings/shop-origins", func(e *core.RequestEvent) error {
				if err := requireAdmin(e); err != nil {
					return err
				}
				return e.JSON(http.StatusOK, map[string]any{"origins": readShopOrigins(e.App), "env": strings.Fields(os.Getenv("CRM_CHAT_FRAME_ANCESTORS"))})
			}).Bind(apis.RequireAuth("staff"))
			se.Router.PUT("/api/crm/settings/shop-origins", func(e *core.RequestEvent) error {
				if err := requireAdmin(e); err != nil {
					return err
				}
				return saveShopOrigins(e, origins)
			}).Bind(apis.RequireAuth("staff"))
			return se.Next()
		},
		Priority: -10,
	})

	// The app's pages and files (main.go's static route calls this before serving).
	staticHeaders = func(e *core.RequestEvent) bool {
		path := e.Request.URL.Path
		// PocketBase's dashboard path is not the app's, whether the dashboard is on or not.
		if path == "/_" || strings.HasPrefix(path, "/_/") {
			return false
		}
		if strings.HasPrefix(path, "/demo-shop") && !demoShopEnabled() {
			return false
		}
		if strings.HasPrefix(path, "/demo-shop") {
			return true // a stand-in for the shop's own site, with its own page rules
		}
		ancestors := "'self'"
		if path == "/chat-widget" || strings.HasPrefix(path, "/chat-widget/") {
			ancestors = "*"
			if list := origins.get(e.App); len(list) > 0 {
				ancestors = "'self' " + strings.Join(list, " ")
			}
			e.Response.Header().Del("X-Frame-Options")
		}
		e.Response.Header().Set("Content-Security-Policy", appCSP(hashes.get(), ancestors))
		return true
	}
}

// staticHeaders sets the headers of a static answer; false: not served (404).
var staticHeaders = func(e *core.RequestEvent) bool { return true }

type shopOriginsBody struct {
	Origins []string `json:"origins"`
}

func saveShopOrigins(e *core.RequestEvent, cache *shopOrigins) error {
	var body shopOriginsBody
	if err := e.BindBody(&body); err != nil {
		return apiFieldError(http.StatusBadRequest, "origins", "invalid", "Send {\"origins\": [\"https://shop.example\"]}.")
	}
	if len(body.Origins) > 20 {
		return apiFieldError(http.StatusBadRequest, "origins", "too_many", "At most 20 shop addresses.")
	}
	clean := []string{}
	seen := map[string]bool{}
	for _, o := range body.Origins {
		n := normalizeOrigin(o)
		if n == "" {
			return apiFieldError(http.StatusBadRequest, "origins", "invalid", "\""+o+"\" is not a web address like https://shop.example (scheme and host only).")
		}
		if !seen[n] {
			seen[n] = true
			clean = append(clean, n)
		}
	}
	raw, _ := json.Marshal(clean)
	_, err := e.App.DB().NewQuery(`INSERT INTO crm_settings (key, value) VALUES ('shop_origins', {:v})
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`).Bind(dbx.Params{"v": string(raw)}).Execute()
	if err != nil {
		return e.InternalServerError("The shop addresses could not be saved.", err)
	}
	cache.reset()
	return e.JSON(http.StatusOK, map[string]any{"origins": clean})
}

// rateLimitedError answers a request refused by PocketBase's rate limits, with the matching rule's
// window as Retry-After.
func rateLimitedError(e *core.RequestEvent) error {
	path := e.Request.URL.Path
	labels := []string{}
	if rest, ok := strings.CutPrefix(path, "/api/collections/"); ok {
		if name, action, ok := strings.Cut(rest, "/"); ok && strings.HasPrefix(action, "auth-with-") {
			labels = append(labels, name+":auth", "*:auth")
		}
	}
	labels = append(labels, e.Request.Method+" "+path, path)
	wait := int64(10)
	if rule, ok := e.App.Settings().RateLimits.FindRateLimitRule(labels); ok {
		wait = rule.Duration
	}
	e.Response.Header().Set("Retry-After", strconv.FormatInt(wait, 10))
	msg := "Too many requests from this address: wait " + strconv.FormatInt(wait, 10) + " seconds and try again."
	return router.NewApiError(http.StatusTooManyRequests, msg, map[string]validation.Error{"ip": validation.NewError("rate_limited", msg)})
}

type demoIdentityBody struct {
	CustomerID string `json:"customer_id"`
}

// demoIdentity signs a shop customer id for the demo storefront (only with CRM_DEMO_SHOP=on).
func demoIdentity(e *core.RequestEvent) error {
	var body demoIdentityBody
	if err := e.BindBody(&body); err != nil || body.CustomerID == "" || len(body.CustomerID) > 64 {
		return apiFieldError(http.StatusBadRequest, "customer_id", "invalid", "customer_id must be a text of 1-64 characters")
	}
	ts := time.Now().Unix()
	return e.JSON(http.StatusOK, map[string]any{"customer_id": body.CustomerID, "ts": ts, "sig": signCustomer(shopIdentitySecret(), body.CustomerID, ts)})
}
