// The app lock (issue 13, a lost phone): once a user sets a PIN on a device, the app shows nothing of
// the customers until the PIN is entered, at every start and after the chosen idle minutes (no touch or
// key, or that long in the background). Sync goes on meanwhile. Five wrong PINs in a row delete the
// device's data and sign it out, as a lost phone should; the password signs in again.
import { deviceKeyOpen, forgetDeviceKey, openDeviceKey, unwrapDeviceKey, wrapDeviceKey } from './device-key';
import { idleExpired, makePinRecord, MAX_FAILURES, pinMatches, readPinRecord, type PinRecord } from './pin';

const key = (userId: string) => `crm:lock:${userId}`;
const ACTIVITY = ['pointerdown', 'keydown', 'touchstart', 'wheel'] as const;

class AppLock {
	/** A PIN is set for the signed-in user on this device. */
	enabled = $state(false);
	/** Nothing of the app shows until the PIN is entered. */
	locked = $state(false);
	failures = $state(0);
	idleMinutes = $state(5);
	/** The device's fingerprint, face or screen code opens the lock too. */
	hasPasskey = $state(false);
	/**
	 * The device key is open in memory (an idle lock). After a restart only the PIN opens it: the
	 * passkey proves the person, but it cannot unwrap the key that the PIN protects (device-key.ts).
	 */
	keyOpen = $state(false);
	#userId: string | null = null;
	#record: PinRecord | null = null;
	#lastActivity = Date.now();
	#hiddenAt = 0;
	#stop: (() => void) | null = null;
	/** Called after MAX_FAILURES wrong PINs: the session deletes the device's data. */
	onTooMany: () => Promise<void> = async () => {};

	/** Starts for a signed-in user: locked at once when they set a PIN on this device. */
	attach(userId: string): void {
		if (this.#userId === userId) return;
		this.detach();
		this.#userId = userId;
		this.#record = readPinRecord(localStorage.getItem(key(userId)));
		this.enabled = !!this.#record;
		this.hasPasskey = !!this.#record?.passkey;
		this.locked = this.enabled;
		this.keyOpen = deviceKeyOpen(userId);
		this.failures = this.#record?.failures ?? 0;
		this.idleMinutes = this.#record?.idleMinutes ?? 5;
		this.#lastActivity = Date.now();
		const touch = () => (this.#lastActivity = Date.now());
		const visibility = () => {
			if (document.visibilityState === 'hidden') this.#hiddenAt = Date.now();
			else if (this.#hiddenAt && this.enabled && idleExpired(this.#hiddenAt, Date.now(), this.idleMinutes)) this.#lock();
		};
		for (const e of ACTIVITY) window.addEventListener(e, touch, { passive: true, capture: true });
		document.addEventListener('visibilitychange', visibility);
		const timer = setInterval(() => {
			if (this.enabled && !this.locked && idleExpired(this.#lastActivity, Date.now(), this.idleMinutes)) this.#lock();
		}, 5_000);
		this.#stop = () => {
			for (const e of ACTIVITY) window.removeEventListener(e, touch, { capture: true });
			document.removeEventListener('visibilitychange', visibility);
			clearInterval(timer);
		};
	}

	detach(): void {
		this.#stop?.();
		this.#stop = null;
		this.#userId = null;
		this.#record = null;
		this.enabled = this.locked = this.hasPasskey = false;
		this.failures = 0;
	}

	/** Sign-out: the PIN goes with the device's data. */
	forget(userId: string): void {
		localStorage.removeItem(key(userId));
		forgetDeviceKey(userId);
		if (this.#userId === userId) this.detach();
	}

	#save(rec: PinRecord | null): void {
		if (!this.#userId) return;
		this.#record = rec;
		if (rec) localStorage.setItem(key(this.#userId), JSON.stringify(rec));
		else localStorage.removeItem(key(this.#userId));
		this.enabled = !!rec;
		this.hasPasskey = !!rec?.passkey;
		this.failures = rec?.failures ?? 0;
		this.idleMinutes = rec?.idleMinutes ?? this.idleMinutes;
	}

	async setPin(pin: string, idleMinutes: number): Promise<void> {
		this.#save(await makePinRecord(pin, idleMinutes));
		if (this.#userId) await wrapDeviceKey(this.#userId, pin);
		this.#lastActivity = Date.now();
	}

	setIdleMinutes(minutes: number): void {
		if (this.#record) this.#save({ ...this.#record, idleMinutes: minutes });
	}

	/** Turns the lock off; the current PIN is asked first. */
	async disable(pin: string): Promise<boolean> {
		if (!this.#record || !(await pinMatches(this.#record, pin))) return false;
		this.#save(null);
		if (this.#userId) unwrapDeviceKey(this.#userId);
		this.locked = false;
		return true;
	}

	/** Lets the device's own screen lock open the app lock (a passkey made now; throws when refused). */
	async addPasskey(user: { id: string; name: string; displayName: string }): Promise<void> {
		if (!this.#record) return;
		const { registerPasskey } = await import('./passkey');
		const passkey = await registerPasskey(user);
		if (this.#record) this.#save({ ...this.#record, passkey });
	}

	removePasskey(): void {
		if (this.#record) this.#save({ ...this.#record, passkey: undefined });
	}

	/** Opens the lock when the device verifies its user with the passkey; a refusal is not a wrong PIN. */
	async unlockWithPasskey(): Promise<boolean> {
		const passkey = this.#record?.passkey;
		if (!passkey || !this.#userId || !deviceKeyOpen(this.#userId)) return false;
		const { verifyPasskey } = await import('./passkey');
		if (!(await verifyPasskey(passkey))) return false;
		if (this.#record) this.#save({ ...this.#record, failures: 0 });
		this.locked = false;
		this.#lastActivity = Date.now();
		return true;
	}

	lockNow(): void {
		if (this.enabled) this.#lock();
	}

	#lock(): void {
		this.keyOpen = !!this.#userId && deviceKeyOpen(this.#userId);
		this.locked = true;
	}

	/** 'ok', 'wrong' (tries left in `failures`), or 'wiped' after too many wrong PINs. */
	async unlock(pin: string): Promise<'ok' | 'wrong' | 'wiped'> {
		const rec = this.#record;
		if (!rec) return 'ok';
		if ((await pinMatches(rec, pin)) && this.#userId && (await openDeviceKey(this.#userId, pin))) {
			this.keyOpen = true;
			this.#save({ ...rec, failures: 0 });
			this.locked = false;
			this.#lastActivity = Date.now();
			return 'ok';
		}
		const failures = rec.failures + 1;
		this.#save({ ...rec, failures });
		if (failures >= MAX_FAILURES) {
			await this.onTooMany();
			return 'wiped';
		}
		return 'wrong';
	}
}

export const appLock = new AppLock();
