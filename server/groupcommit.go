// Group commit for event ingestion (pb_hooks/lib/ingest.js).
//
// Every ingestion batch is one transaction with a durable commit (synchronous=FULL: an fsync), and
// SQLite has one writer. Committing batches one by one would spend most of the writer's time waiting
// for the disk. So the JS hook works out a batch's writes (its "plan": checks and statements, plain
// data) and hands it to crmCommit, which queues it; one goroutine takes every queued plan, applies
// each inside its own savepoint of ONE transaction, and commits them with one fsync. Each caller gets
// its own answer only after that commit.
//
// A plan was worked out from look-ups made before the transaction. Its checks are those look-ups
// with the rows they found; if a check finds other rows now (another batch got there first), the
// plan's savepoint is rolled back and the caller is told "stale", so it looks again and re-plans.
package main

import (
	"fmt"
	"log"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

type planQuery struct {
	SQL    string         `json:"sql"`
	Params map[string]any `json:"params"`
	// For checks: the rows (one text column) the look-up found before the transaction.
	Expect []string `json:"expect"`
}

type plan struct {
	Checks     []planQuery `json:"checks"`
	Statements []planQuery `json:"statements"`
}

type pendingPlan struct {
	plan plan
	done chan string
}

// CRM_PROFILE=1 logs each group's size and times.
var profile = os.Getenv("CRM_PROFILE") != ""

// maxGroup bounds one transaction: at most this many batches share an fsync.
const maxGroup = 32

type groupCommitter struct {
	app   core.App
	queue chan *pendingPlan
}

func newGroupCommitter(app core.App) *groupCommitter {
	g := &groupCommitter{app: app, queue: make(chan *pendingPlan, 1024)}
	go g.run()
	return g
}

// bind exposes crmCommit({checks, statements}) -> "ok" | "stale" | "error: ..." to the JS hooks. The
// plan comes as a JS object (goja exports it as maps and slices): serialising it to JSON in JS cost
// more than the SQL it carries.
func (g *groupCommitter) bind(vm *goja.Runtime) {
	vm.Set("crmCommit", func(value map[string]any) string {
		entered := time.Now()
		defer func() {
			if profile {
				log.Printf("crmCommit call %s", time.Since(entered))
			}
		}()
		p, err := toPlan(value)
		if err != nil {
			return "error: " + err.Error()
		}
		pending := &pendingPlan{plan: p, done: make(chan string, 1)}
		g.queue <- pending
		return <-pending.done
	})
}

func (g *groupCommitter) run() {
	for first := range g.queue {
		group := []*pendingPlan{first}
	drain:
		for len(group) < maxGroup {
			select {
			case p := <-g.queue:
				group = append(group, p)
			default:
				break drain
			}
		}
		g.commit(group)
	}
}

func (g *groupCommitter) commit(group []*pendingPlan) {
	started := time.Now()
	var applied time.Duration
	defer func() {
		if profile {
			statements := 0
			for _, p := range group {
				statements += len(p.plan.Statements)
			}
			log.Printf("groupcommit batches=%d statements=%d apply=%s total=%s", len(group), statements, applied, time.Since(started))
		}
	}()
	results := make([]string, len(group))
	err := g.app.RunInTransaction(func(tx core.App) error {
		db := tx.DB()
		for i, p := range group {
			savepoint := fmt.Sprintf("crm_plan_%d", i)
			if _, err := db.NewQuery("SAVEPOINT " + savepoint).Execute(); err != nil {
				return err
			}
			results[i] = apply(db, p.plan)
			if results[i] != "ok" {
				if _, err := db.NewQuery("ROLLBACK TO " + savepoint).Execute(); err != nil {
					return err
				}
			}
			if _, err := db.NewQuery("RELEASE " + savepoint).Execute(); err != nil {
				return err
			}
		}
		applied = time.Since(started)
		return nil
	})
	for i, p := range group {
		if err != nil {
			// Nothing of the group was stored: every caller hears so.
			p.done <- "error: the transaction failed: " + err.Error()
		} else {
			p.done <- results[i]
		}
	}
}

func apply(db dbx.Builder, p plan) string {
	for _, c := range p.Checks {
		var got []string
		if err := db.NewQuery(c.SQL).Bind(dbx.Params(c.Params)).Column(&got); err != nil {
			return "error: " + err.Error()
		}
		want := slices.Clone(c.Expect)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			return "stale"
		}
	}
	for _, s := range p.Statements {
		started := time.Now()
		if _, err := db.NewQuery(s.SQL).Bind(dbx.Params(s.Params)).Execute(); err != nil {
			return "error: " + err.Error()
		}
		if profile {
			if took := time.Since(started); took > 5*time.Millisecond {
				log.Printf("groupcommit slow statement %s: %.60s", took, strings.Join(strings.Fields(s.SQL), " "))
			}
		}
	}
	return "ok"
}

func toQueries(v any) ([]planQuery, error) {
	list, ok := v.([]any)
	if v != nil && !ok {
		return nil, fmt.Errorf("a plan's checks and statements must be lists")
	}
	out := make([]planQuery, 0, len(list))
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("a plan query must be an object")
		}
		q := planQuery{}
		if q.SQL, ok = m["sql"].(string); !ok {
			return nil, fmt.Errorf("a plan query needs its sql")
		}
		if params, ok := m["params"].(map[string]any); ok {
			q.Params = params
		}
		if expect, ok := m["expect"].([]any); ok {
			for _, e := range expect {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("a check's expected rows must be text")
				}
				q.Expect = append(q.Expect, s)
			}
		}
		out = append(out, q)
	}
	return out, nil
}

func toPlan(value map[string]any) (plan, error) {
	var p plan
	var err error
	if p.Checks, err = toQueries(value["checks"]); err != nil {
		return p, err
	}
	p.Statements, err = toQueries(value["statements"])
	return p, err
}
