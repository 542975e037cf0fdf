package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

func TestMetricsAccess(t *testing.T) {
	cases := []struct {
		name, env, header string
		status            int
	}{
		{"off without CRM_METRICS_TOKEN", "", "Bearer anything", 404},
		{"no token", "monitor-secret", "", 401},
		{"a wrong token", "monitor-secret", "Bearer monitor-secreT", 401},
		{"a staff sign-in is not the token", "monitor-secret", "monitor-secret", 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("CRM_METRICS_TOKEN", c.env)
			(&tests.ApiScenario{
				Method:             http.MethodGet,
				URL:                "/metrics",
				Headers:            map[string]string{"Authorization": c.header},
				ExpectedStatus:     c.status,
				ExpectedContent:    []string{`"status":`},
				NotExpectedContent: []string{"crm_"},
				TestAppFactory:     healthApp,
			}).Test(t)
		})
	}
}

func TestMetricsScrape(t *testing.T) {
	t.Setenv("CRM_METRICS_TOKEN", "monitor-secret")
	(&tests.ApiScenario{
		Name:           "the scrape",
		Method:         http.MethodGet,
		URL:            "/metrics",
		Headers:        map[string]string{"Authorization": "Bearer monitor-secret"},
		ExpectedStatus: 200,
		ExpectedContent: []string{
			`crm_http_requests_total{code="2xx",method="GET",route="/api/health"}`,
			`crm_http_request_duration_seconds_bucket{code="2xx",method="GET",route="/api/health",le="0.005"}`,
			`crm_http_requests_total{code="4xx",method="GET",route="other"}`,
			"crm_events_ingested_total", "crm_backup_lag_seconds 0", "crm_backup_failing 0", "crm_backup_enabled 0",
			"crm_send_queue_pending 0", "crm_send_queue_oldest_age_seconds 0", "crm_realtime_connections 0",
			"go_goroutines", "process_resident_memory_bytes",
		},
		NotExpectedContent: []string{"/api/no/such"},
		TestAppFactory:     healthApp,
		// Two requests before the scrape: a route's answer, and a path no route knows.
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			mux, err := e.Router.BuildMux()
			if err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{"/api/health", "/api/no/such/route/x1"} {
				mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
			}
		},
	}).Test(t)
}

func TestMetricLabels(t *testing.T) {
	for in, want := range map[int]string{200: "2xx", 204: "2xx", 301: "3xx", 404: "4xx", 429: "4xx", 500: "5xx", 0: "other", 999: "other"} {
		if got := statusClass(in); got != want {
			t.Errorf("statusClass(%d) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"GET": "GET", "DELETE": "DELETE", "BREW": "OTHER", "get": "OTHER"} {
		if got := methodLabel(in); got != want {
			t.Errorf("methodLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
