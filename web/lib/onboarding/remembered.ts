/**
 * What a newcomer's first minutes leave behind in this browser (localStorage): the device check's
 * choice, so returning people go straight in, and which first-time hints were seen. Storage may be
 * unavailable (private windows, blocked storage): then everything simply shows again next time.
 */
import type { MediaChoice } from '$lib/media/session';

const DEVICES_KEY = 'hearth:devices';
const HINT_PREFIX = 'hearth:hint:';

function read(key: string): string | null {
	try {
		return localStorage.getItem(key);
	} catch {
		return null;
	}
}

function write(key: string, value: string): void {
	try {
		localStorage.setItem(key, value);
	} catch {
		// Not remembered: the check or hint shows again next time, which is harmless.
	}
}

const idOrNull = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length < 500 ? v : null);

/** The device check's last choice, or null when this browser has not done it (or kept something unreadable). */
export function rememberedDevices(): MediaChoice | null {
	const raw = read(DEVICES_KEY);
	if (!raw) return null;
	try {
		const v = JSON.parse(raw) as Record<string, unknown>;
		if (typeof v.camera !== 'boolean' || typeof v.microphone !== 'boolean') return null;
		return {
			camera: v.camera,
			microphone: v.microphone,
			videoDeviceId: idOrNull(v.videoDeviceId),
			audioDeviceId: idOrNull(v.audioDeviceId)
		};
	} catch {
		return null;
	}
}

export function rememberDevices(choice: MediaChoice): void {
	write(DEVICES_KEY, JSON.stringify(choice));
}

export type HintId = 'circle' | 'board';

export const hintSeen = (id: HintId): boolean => read(HINT_PREFIX + id) !== null;
export const markHintSeen = (id: HintId): void => write(HINT_PREFIX + id, new Date().toISOString());

/**
 * A microphone level from 0 to 100 for one window of samples: the loudness in decibels, with
 * -60 dB (a quiet room) at 0 and full scale at 100, so ordinary speech sits in the middle.
 */
export function levelOf(samples: Float32Array): number {
	let sum = 0;
	for (const v of samples) sum += v * v;
	const rms = Math.sqrt(sum / Math.max(1, samples.length));
	if (rms <= 0) return 0;
	const db = 20 * Math.log10(rms);
	return Math.round(Math.min(100, Math.max(0, ((db + 60) / 60) * 100)));
}
