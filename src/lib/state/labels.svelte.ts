import { map } from 'rxjs';
import type { CrmDatabase } from '$lib/db/database';
import { sortLabels } from '$lib/db/labels';
import type { LabelDoc } from '$lib/db/schemas';
import { ObservableState } from './observable.svelte';

/** The managed tags and categories on this device (not removed), in display order; live. */
export class ManagedLabels {
	#all: ObservableState<LabelDoc[]>;

	constructor(db: CrmDatabase) {
		const docs$ = db.labels.find({ selector: { deleted: { $ne: true } } }).$;
		this.#all = new ObservableState(docs$.pipe(map((docs) => sortLabels(docs.map((d) => d.toJSON() as LabelDoc)))), []);
	}

	get tags(): LabelDoc[] {
		return this.#all.current.filter((l) => l.kind === 'tag');
	}

	get categories(): LabelDoc[] {
		return this.#all.current.filter((l) => l.kind === 'category');
	}
}

const perDatabase = new WeakMap<CrmDatabase, ManagedLabels>();

/** One live list per local database, shared by the settings section and every customer form. */
export function managedLabels(db: CrmDatabase): ManagedLabels {
	let labels = perDatabase.get(db);
	if (!labels) perDatabase.set(db, (labels = new ManagedLabels(db)));
	return labels;
}
