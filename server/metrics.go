// Prometheus metrics (README "Health and metrics"):
//
//	GET /metrics   Authorization: Bearer <CRM_METRICS_TOKEN>; 404 while that is unset, 401 without it
//
// Requests by route pattern, method and status class, with their latency; events ingested; the send
// queue; the continuous backup (backupstatus.go); realtime connections; the Go runtime and the process.
// The queue, backup and connection figures are read at scrape time, so nothing runs between scrapes.
package main

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The labels: the matched route pattern (never the raw path, which any caller could vary without end),
// the method and the status class.
var httpLabels = []string{"route", "method", "code"}

var (
	httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "crm_http_requests_total",
		Help: "HTTP requests answered, by route pattern, method and status class.",
	}, httpLabels)
	httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "crm_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern, method and status class.",
		Buckets: prometheus.DefBuckets,
	}, httpLabels)
	eventsIngested = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "crm_events_ingested_total",
		Help: "Shop events stored by POST /api/crm/events (duplicates and rejected events not counted).",
	})
)

// metricIngested counts events stored by one committed batch (ingest.go).
func metricIngested(n int) {
	eventsIngested.Add(float64(n))
}

func registerMetrics(app core.App) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(httpRequests, httpDuration, eventsIngested, &scrapeCollector{app: app},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	serve := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:       "crmMetrics",
			Priority: apis.DefaultCorsMiddlewarePriority - 1, // first, so refusals (CORS, rate limits) count too
			Func:     observeRequest,
		})
		se.Router.GET("/metrics", func(e *core.RequestEvent) error {
			if metricsToken() == "" {
				return e.NotFoundError("", nil)
			}
			if !hasMetricsToken(e.Request) {
				e.Response.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				return e.UnauthorizedError("Send Authorization: Bearer <CRM_METRICS_TOKEN>.", nil)
			}
			serve.ServeHTTP(e.Response, e.Request)
			return nil
		})
		return se.Next()
	})
}

// metricsToken is CRM_METRICS_TOKEN, read at each request so a test or a restart-free rotation sees it.
func metricsToken() string {
	return strings.TrimSpace(os.Getenv("CRM_METRICS_TOKEN"))
}

func observeRequest(e *core.RequestEvent) error {
	started := time.Now()
	err := e.Next()
	labels := prometheus.Labels{"route": routeLabel(e.Request), "method": methodLabel(e.Request.Method), "code": statusClass(answerStatus(e, err))}
	httpRequests.With(labels).Inc()
	httpDuration.With(labels).Observe(time.Since(started).Seconds())
	return err
}

// routeLabel: the pattern the router matched, without its method ("/api/collections/{collection}/records");
// "other" for the catch-all 404.
func routeLabel(r *http.Request) string {
	p := r.Pattern
	if i := strings.IndexByte(p, ' '); i >= 0 {
		p = p[i+1:]
	}
	if p == "" || p == "/" {
		return "other"
	}
	return p
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// answerStatus: the status written, or the one PocketBase will write for the error returned.
func answerStatus(e *core.RequestEvent, err error) int {
	if s := e.Status(); s != 0 {
		return s
	}
	if err != nil {
		return router.ToApiError(err).Status
	}
	return http.StatusOK
}

func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}

// scrapeCollector reads the figures that are state rather than counts, once per scrape. A queue that
// cannot be read is left out; a backup report that cannot be read is a failing backup.
type scrapeCollector struct{ app core.App }

var (
	sendPendingDesc  = prometheus.NewDesc("crm_send_queue_pending", "Campaign messages (e-mail, SMS, sales tasks) queued to be sent.", nil, nil)
	sendOldestDesc   = prometheus.NewDesc("crm_send_queue_oldest_age_seconds", "How long the most overdue queued message has been due (0 when none is).", nil, nil)
	backupEnDesc     = prometheus.NewDesc("crm_backup_enabled", "1 when continuous backup is on.", nil, nil)
	backupFailDesc   = prometheus.NewDesc("crm_backup_failing", "1 when the backup agent is down, its last attempt failed, or the replica is over a minute behind.", nil, nil)
	backupLagDesc    = prometheus.NewDesc("crm_backup_lag_seconds", "How far the replica is behind the live database (0 until it first caught up: see crm_backup_failing).", nil, nil)
	realtimeConnDesc = prometheus.NewDesc("crm_realtime_connections", "Open realtime (SSE) connections.", nil, nil)
)

func (c *scrapeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{sendPendingDesc, sendOldestDesc, backupEnDesc, backupFailDesc, backupLagDesc, realtimeConnDesc} {
		ch <- d
	}
}

func (c *scrapeCollector) Collect(ch chan<- prometheus.Metric) {
	now := time.Now()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	if q := sendQueueOf(c.app, now); q.Error == "" {
		gauge(sendPendingDesc, float64(q.Pending))
		gauge(sendOldestDesc, q.OldestAgeS)
	}
	if s, err := readBackupStatus(c.app.DataDir()); err == nil {
		gauge(backupEnDesc, boolGauge(s.Enabled))
		gauge(backupFailDesc, boolGauge(s.Failing(now)))
		gauge(backupLagDesc, s.Lag(now).Seconds())
	} else {
		gauge(backupFailDesc, 1)
	}
	gauge(realtimeConnDesc, float64(c.app.SubscriptionsBroker().TotalClients()))
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
