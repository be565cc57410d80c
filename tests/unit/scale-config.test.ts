/** Scale-out settings: unset means the default (so a configuration without them is what it was); bad values are named. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, scaleDefaults } from '../../server/config.ts';

describe('scale-out configuration', () => {
	it('leaves the scale-out settings unset by default, with documented defaults applied where they are used', () => {
		const config = loadConfig({});
		expect(config.redisPrefix).toBeUndefined();
		expect(config.redisLeaseMs).toBeUndefined();
		expect(config.windDownMs).toBeUndefined();
		expect(scaleDefaults).toEqual({ redisPrefix: 'hearth:', redisLeaseMs: 10_000 });
	});

	it('reads REDIS_PREFIX, REDIS_LEASE_SECONDS and WIND_DOWN_SECONDS', () => {
		const config = loadConfig({
			REDIS_URL: 'redis://cache:6379',
			REDIS_PREFIX: 'hearth-prod:',
			REDIS_LEASE_SECONDS: '5',
			WIND_DOWN_SECONDS: '30'
		});
		expect(config).toMatchObject({ redisUrl: 'redis://cache:6379', redisPrefix: 'hearth-prod:', redisLeaseMs: 5_000, windDownMs: 30_000 });
	});

	it.each([
		['REDIS_PREFIX', 'has spaces', 'REDIS_PREFIX: must be 1-64 letters, digits or _ : . -'],
		['REDIS_LEASE_SECONDS', '0', 'REDIS_LEASE_SECONDS: must be between 1 and 300'],
		['WIND_DOWN_SECONDS', '601', 'WIND_DOWN_SECONDS: must be between 1 and 600'],
		['WIND_DOWN_SECONDS', 'soon', 'WIND_DOWN_SECONDS: must be a number']
	])('refuses %s=%s with a message naming it', (name, value, message) => {
		try {
			loadConfig({ [name]: value });
			expect.unreachable();
		} catch (err) {
			expect(err).toBeInstanceOf(ConfigError);
			expect((err as ConfigError).problems).toEqual([message]);
		}
	});
});
