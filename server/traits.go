// The shared TypeScript's checkTraits (src/lib/shared/events.ts, bundled as pb_hooks/lib/shared.js)
// run from Go in plain goja runtimes: a customer's phone, email and address from a shop event get the
// same checks and normalisation as a profile edit on a device. Only events carrying traits (a new
// customer's first event) come here.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/dop251/goja"
)

type traitsChecker struct {
	path string
	once sync.Once
	prog *goja.Program
	err  error
	pool sync.Pool
}

type traitsRuntime struct {
	vm    *goja.Runtime
	check goja.Callable
}

func newTraitsChecker(hooksDir string) *traitsChecker {
	return &traitsChecker{path: filepath.Join(hooksDir, "lib", "shared.js")}
}

func (t *traitsChecker) runtime() (*traitsRuntime, error) {
	t.once.Do(func() {
		src, err := os.ReadFile(t.path)
		if err != nil {
			t.err = err
			return
		}
		t.prog, t.err = goja.Compile(t.path, string(src)+`
;var __crmCheckTraits = function (text) { return JSON.stringify(module.exports.checkTraits(JSON.parse(text))); };`, false)
	})
	if t.err != nil {
		return nil, t.err
	}
	if r, ok := t.pool.Get().(*traitsRuntime); ok {
		return r, nil
	}
	vm := goja.New()
	module := vm.NewObject()
	exports := vm.NewObject()
	module.Set("exports", exports)
	vm.Set("module", module)
	vm.Set("exports", exports)
	if _, err := vm.RunProgram(t.prog); err != nil {
		return nil, err
	}
	check, ok := goja.AssertFunction(vm.Get("__crmCheckTraits"))
	if !ok {
		return nil, fmt.Errorf("%s has no checkTraits", t.path)
	}
	return &traitsRuntime{vm: vm, check: check}, nil
}

// Check returns the normalised traits, or the first problem (field named traits.…).
func (t *traitsChecker) Check(raw map[string]any) (map[string]any, *fieldError) {
	r, err := t.runtime()
	if err != nil {
		return nil, &fieldError{"traits", "invalid", "traits could not be checked: " + err.Error()}
	}
	defer t.pool.Put(r)
	in, _ := json.Marshal(raw)
	out, err := r.check(goja.Undefined(), r.vm.ToValue(string(in)))
	if err != nil {
		return nil, &fieldError{"traits", "invalid", "traits could not be checked: " + err.Error()}
	}
	var answer struct {
		Traits map[string]any `json:"traits"`
		Error  *fieldError    `json:"error"`
	}
	if err := json.Unmarshal([]byte(out.String()), &answer); err != nil {
		return nil, &fieldError{"traits", "invalid", "traits could not be checked"}
	}
	if answer.Error != nil {
		return nil, answer.Error
	}
	return answer.Traits, nil
}
