/// <reference path="../pb_data/types.d.ts" />
// Managed labels: one name per kind. Who may write is the collection's rules (1764151000_labels.js);
// push and REST validation are the synced-collection hooks (sync.pb.js, lib/sync.js SPECS.labels).

onRecordValidate((e) => {
	require(`${__hooks}/lib/labels.js`).checkUniqueName(e);
	e.next();
}, 'labels');
