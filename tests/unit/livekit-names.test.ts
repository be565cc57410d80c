/** [LK2] LiveKit room names of Hearth rooms, and reading them back from webhooks. */
import { describe, expect, it } from 'vitest';
import { livekitRoomName, mediaTokenPayload, parseLivekitRoomName } from '../../shared/livekit.ts';

const CONVENING = '6f1c2b1e-93a4-4c55-8d0e-2f6b7c9d1a20';
const GROUP = '2b7e1516-28ae-4d2a-a6d2-abf7158809cf';

describe('LiveKit room names', () => {
	it('[LK2] name the main room and each group of a convening, and read back to the same place', () => {
		expect(livekitRoomName(CONVENING, 'main')).toBe(`hearth-${CONVENING}-main`);
		expect(livekitRoomName(CONVENING, GROUP)).toBe(`hearth-${CONVENING}-${GROUP}`);
		expect(parseLivekitRoomName(livekitRoomName(CONVENING, 'main'))).toEqual({ conveningId: CONVENING, room: 'main' });
		expect(parseLivekitRoomName(livekitRoomName(CONVENING, GROUP))).toEqual({ conveningId: CONVENING, room: GROUP });
	});

	it('[LK2] rooms that are not Hearth’s do not parse', () => {
		for (const name of [
			'',
			'main',
			`${CONVENING}-main`,
			`hearth-${CONVENING}`,
			`hearth-${CONVENING}-`,
			`hearth-${CONVENING}-lobby`,
			`hearth-x-main`,
			`hearth-${CONVENING}-main-2`
		]) {
			expect(parseLivekitRoomName(name), name).toBeNull();
		}
	});

	it('[SIO3] the token payload takes an optional room and hidden flag, nothing else', () => {
		expect(mediaTokenPayload.parse({})).toEqual({});
		expect(mediaTokenPayload.parse({ room: GROUP, hidden: true })).toEqual({ room: GROUP, hidden: true });
		expect(mediaTokenPayload.safeParse({ room: '' }).success).toBe(false);
		expect(mediaTokenPayload.safeParse({ userId: 'x' }).success).toBe(false);
	});
});
