import { describe, expect, it } from 'vitest';
import { checkpointer, seqCheckpoint, type Checkpoint, type Checkpointer } from './checkpoint';

/**
 * A model of the server's write path: a write takes its `updated` timestamp when it starts (as
 * PocketBase's autodate does, before the SQL statement) and its `seq` inside the single-writer
 * commit (as the sync_seq trigger does). Readers see only committed rows.
 */
class ServerModel {
	rows: Record<string, unknown>[] = [];
	private seq = 0;
	private clock = 1000;
	begin(id: string) {
		return { id, updated: `2026-11-26 10:00:00.${this.clock++}Z` };
	}
	commit(tx: { id: string; updated: string }) {
		this.rows.push({ ...tx, seq: ++this.seq });
	}
	list(cp: Checkpointer, after: Checkpoint | undefined) {
		const field = cp.field;
		return this.rows.filter((r) => after === undefined || (r[field] as string | number) > after.value).sort((a, b) => ((a[field] as string | number) < (b[field] as string | number) ? -1 : 1));
	}
}

/** Two writes commit out of timestamp order while a device pulls in between. */
function pullAcrossOutOfOrderCommits(cp: Checkpointer): string[] {
	const server = new ServerModel();
	const seen: string[] = [];
	let checkpoint: Checkpoint | undefined;
	const pull = () => {
		const items = server.list(cp, checkpoint);
		seen.push(...items.map((r) => r.id as string));
		checkpoint = cp.next(items, checkpoint);
	};
	const slow = server.begin('slow'); // starts first: the earlier timestamp
	const fast = server.begin('fast');
	server.commit(fast); // but commits first
	pull();
	server.commit(slow);
	pull();
	return seen.sort();
}

describe('pull checkpoint', () => {
	it('skips nothing when two writes commit out of timestamp order (seq)', () => {
		expect(pullAcrossOutOfOrderCommits(seqCheckpoint)).toEqual(['fast', 'slow']);
	});

	it('the same scenario loses a change with an `updated` timestamp checkpoint', () => {
		// This is the failure the seq checkpoint exists to prevent: the test above, run on `updated`.
		expect(pullAcrossOutOfOrderCommits(checkpointer('updated'))).toEqual(['fast']);
	});

	it('builds the PocketBase filter from the checkpoint', () => {
		expect(seqCheckpoint.filter(undefined)).toBe('');
		expect(seqCheckpoint.filter({ value: 42 })).toBe('seq > 42');
		expect(seqCheckpoint.next([{ seq: 3 }, { seq: 9 }], undefined)).toEqual({ value: 9 });
		expect(seqCheckpoint.next([], { value: 9 })).toEqual({ value: 9 });
	});
});
