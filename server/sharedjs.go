// The shared TypeScript (src/lib/shared, bundled as pb_hooks/lib/shared.js) run from Go in plain goja
// runtimes, so the server's hot paths apply the very rules the devices and the JS hooks apply: a
// shop customer's traits (traits.go), a campaign's readiness and a segment's rule (audience.go).
// Calls pass JSON text in and get JSON text back; runtimes are pooled.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/dop251/goja"
)

// sharedCalls: the functions Go calls, each taking and returning one JSON text.
const sharedCalls = `
;var __crm = {
	checkTraits: function (text) { return JSON.stringify(module.exports.checkTraits(JSON.parse(text))); },
	validatePublishable: function (text) { var a = JSON.parse(text); return JSON.stringify(module.exports.validatePublishable(a.campaign, a.now)); },
	ruleFields: function (text) { return JSON.stringify(module.exports.ruleFields(JSON.parse(text))); },
	segmentColumns: function () { return JSON.stringify(module.exports.SEGMENT_COLUMNS); },
	// rows: [{id, ...customer columns, stats}] ordered as wanted; returns the ids the rule matches.
	matchRule: function (text) {
		var a = JSON.parse(text), match = module.exports.compileRule(a.rule), out = [];
		for (var i = 0; i < a.rows.length; i++) { var r = a.rows[i]; if (match(r, r.stats, a.now)) out.push(r.id); }
		return JSON.stringify(out);
	}
};`

type sharedJS struct {
	path string
	once sync.Once
	prog *goja.Program
	err  error
	pool sync.Pool
}

type sharedRuntime struct {
	vm    *goja.Runtime
	calls *goja.Object
}

func newSharedJS(hooksDir string) *sharedJS {
	return &sharedJS{path: filepath.Join(hooksDir, "lib", "shared.js")}
}

func (s *sharedJS) runtime() (*sharedRuntime, error) {
	s.once.Do(func() {
		src, err := os.ReadFile(s.path)
		if err != nil {
			s.err = err
			return
		}
		s.prog, s.err = goja.Compile(s.path, string(src)+sharedCalls, false)
	})
	if s.err != nil {
		return nil, s.err
	}
	if r, ok := s.pool.Get().(*sharedRuntime); ok {
		return r, nil
	}
	vm := goja.New()
	module := vm.NewObject()
	exports := vm.NewObject()
	module.Set("exports", exports)
	vm.Set("module", module)
	vm.Set("exports", exports)
	if _, err := vm.RunProgram(s.prog); err != nil {
		return nil, err
	}
	return &sharedRuntime{vm: vm, calls: vm.Get("__crm").ToObject(vm)}, nil
}

// call runs __crm[name](JSON of in) and decodes its JSON answer into out.
func (s *sharedJS) call(name string, in any, out any) error {
	r, err := s.runtime()
	if err != nil {
		return err
	}
	defer s.pool.Put(r)
	fn, ok := goja.AssertFunction(r.calls.Get(name))
	if !ok {
		return fmt.Errorf("%s has no %s", s.path, name)
	}
	var arg goja.Value = goja.Undefined()
	if in != nil {
		text, err := json.Marshal(in)
		if err != nil {
			return err
		}
		arg = r.vm.ToValue(string(text))
	}
	res, err := fn(goja.Undefined(), arg)
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(res.String()), out)
}

// callRaw is call with the argument already JSON text (large row sets are built as text by SQLite).
func (s *sharedJS) callRaw(name string, text string, out any) error {
	r, err := s.runtime()
	if err != nil {
		return err
	}
	defer s.pool.Put(r)
	fn, ok := goja.AssertFunction(r.calls.Get(name))
	if !ok {
		return fmt.Errorf("%s has no %s", s.path, name)
	}
	res, err := fn(goja.Undefined(), r.vm.ToValue(text))
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(res.String()), out)
}
