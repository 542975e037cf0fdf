// crmListableIds(collection, requestInfo): the ids of the records the caller may list, found by one SQL
// query built from the collection's listRule with PocketBase's own rule resolver (the same query the
// records list API runs), without loading the records. Segment membership (pb_hooks/lib/segments.js)
// reads only a few columns of every listable customer; loading 20,000 full records took seconds.
package main

import (
	"github.com/dop251/goja"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/search"
)

func bindListableIDs(app core.App) func(vm *goja.Runtime) {
	return func(vm *goja.Runtime) {
		vm.Set("crmListableIds", func(name string, info *core.RequestInfo) ([]string, error) {
			return listableIDs(app, name, info)
		})
	}
}

// listableIDs: the ids of the collection's records that the caller may list, ordered by id.
func listableIDs(app core.App, name string, info *core.RequestInfo) ([]string, error) {
	collection, err := app.FindCachedCollectionByNameOrId(name)
	if err != nil {
		return nil, err
	}
	ids := []string{}
	if collection.ListRule == nil && !info.HasSuperuserAuth() {
		return ids, nil // superusers only
	}
	query := app.DB().Select(collection.Name + ".id").From(collection.Name)
	if collection.ListRule != nil && *collection.ListRule != "" && !info.HasSuperuserAuth() {
		resolver := core.NewRecordFieldResolver(app, collection, info, true)
		expr, err := search.FilterData(*collection.ListRule).BuildExpr(resolver)
		if err != nil {
			return nil, err
		}
		query.AndWhere(expr)
		if err := resolver.UpdateQuery(query); err != nil {
			return nil, err
		}
	}
	err = query.OrderBy(collection.Name + ".id").Column(&ids)
	return ids, err
}
