// A customer's phone, email and address from a shop event get the same checks and normalisation as a
// profile edit on a device: the shared TypeScript's checkTraits (src/lib/shared/events.ts), run from Go
// (sharedjs.go). Only events carrying traits (a new customer's first event) come here.
package main

type traitsChecker struct {
	js *sharedJS
}

func newTraitsChecker(js *sharedJS) *traitsChecker {
	return &traitsChecker{js: js}
}

// Check returns the normalised traits, or the first problem (field named traits.…).
func (t *traitsChecker) Check(raw map[string]any) (map[string]any, *fieldError) {
	var answer struct {
		Traits map[string]any `json:"traits"`
		Error  *fieldError    `json:"error"`
	}
	if err := t.js.call("checkTraits", raw, &answer); err != nil {
		return nil, &fieldError{"traits", "invalid", "traits could not be checked: " + err.Error()}
	}
	if answer.Error != nil {
		return nil, answer.Error
	}
	return answer.Traits, nil
}
