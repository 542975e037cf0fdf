import type { Observable } from 'rxjs';
import { createSubscriber } from 'svelte/reactivity';

/**
 * An RxJS/RxDB observable as a reactive value. The subscription opens when something reads
 * `current` in a reactive context and closes when nothing does.
 */
export class ObservableState<T> {
	#value: T;
	#subscribe: () => void;

	constructor(source: Observable<T>, initial: T) {
		this.#value = initial;
		this.#subscribe = createSubscriber((update) => {
			const sub = source.subscribe((v) => {
				this.#value = v;
				update();
			});
			return () => sub.unsubscribe();
		});
	}

	get current(): T {
		this.#subscribe();
		return this.#value;
	}
}
