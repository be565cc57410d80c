import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

/** Runs loadConfig expecting a ConfigError, and returns it. */
function configError(env: Record<string, string | undefined>): ConfigError {
	try {
		loadConfig(env);
	} catch (error) {
		expect(error).toBeInstanceOf(ConfigError);
		return error as ConfigError;
	}
	throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

const LIVEKIT = { LIVEKIT_URL: 'wss://media.example.org', LIVEKIT_API_KEY: 'key', LIVEKIT_API_SECRET: 'secret' };

describe('loadConfig', () => {
	it('has defaults for everything, with optional services off', () => {
		expect(loadConfig({})).toEqual({
			port: 3000,
			host: '0.0.0.0',
			origin: undefined,
			dataDir: path.resolve('data'),
			databaseUrl: undefined,
			redisUrl: undefined,
			livekit: undefined,
			logLevel: 'info',
			sessionDays: 30,
			boards: { idleMs: 30_000, compactEvery: 500, pingIntervalMs: 30_000 },
			media: { iceServers: [], maxParticipants: 6, screenShare: 'facilitators' }
		});
	});

	it('resolves DATA_DIR to an absolute path', () => {
		const config = loadConfig({ DATA_DIR: 'var/hearth' });
		expect(path.isAbsolute(config.dataDir)).toBe(true);
		expect(config.dataDir).toBe(path.resolve(process.cwd(), 'var/hearth'));
		expect(loadConfig({ DATA_DIR: '/srv/hearth' }).dataDir).toBe('/srv/hearth');
		expect(path.isAbsolute(loadConfig({}).dataDir)).toBe(true);
	});

	it('reads every variable when valid', () => {
		expect(
			loadConfig({
				PORT: '8080',
				HOST: '127.0.0.1',
				ORIGIN: 'https://hearth.example.org',
				DATA_DIR: '/srv/hearth',
				DATABASE_URL: 'postgres://hearth@db:5432/hearth',
				REDIS_URL: 'redis://cache:6379',
				...LIVEKIT,
				LOG_LEVEL: 'debug',
				SESSION_DAYS: '7',
				BOARD_IDLE_SECONDS: '120',
				BOARD_COMPACT_EVERY: '50',
				BOARD_PING_SECONDS: '10',
				ICE_SERVERS: '[{"urls":"stun:stun.example.org:3478"},{"urls":["turn:turn.example.org:3478"],"username":"u","credential":"p"}]',
				P2P_MAX_PARTICIPANTS: '4',
				SCREEN_SHARE: 'everyone'
			})
		).toEqual({
			port: 8080,
			host: '127.0.0.1',
			origin: 'https://hearth.example.org',
			dataDir: '/srv/hearth',
			databaseUrl: 'postgres://hearth@db:5432/hearth',
			redisUrl: 'redis://cache:6379',
			livekit: { url: 'wss://media.example.org', apiKey: 'key', apiSecret: 'secret' },
			logLevel: 'debug',
			sessionDays: 7,
			boards: { idleMs: 120_000, compactEvery: 50, pingIntervalMs: 10_000 },
			media: {
				iceServers: [{ urls: 'stun:stun.example.org:3478' }, { urls: ['turn:turn.example.org:3478'], username: 'u', credential: 'p' }],
				maxParticipants: 4,
				screenShare: 'everyone'
			}
		});
	});

	it('accepts port 0 (any free port), postgresql:// and rediss:// URLs', () => {
		expect(loadConfig({ PORT: '0' }).port).toBe(0);
		expect(loadConfig({ DATABASE_URL: 'postgresql://db/hearth' }).databaseUrl).toBe('postgresql://db/hearth');
		expect(loadConfig({ REDIS_URL: 'rediss://cache:6380' }).redisUrl).toBe('rediss://cache:6380');
	});

	it.each([
		['PORT', 'abc'],
		['PORT', '70000'],
		['PORT', '-1'],
		['PORT', '80.5'],
		['DATABASE_URL', 'mysql://x'],
		['DATABASE_URL', 'not a url'],
		['REDIS_URL', 'http://x'],
		['ORIGIN', 'notaurl'],
		['ORIGIN', 'ftp://hearth.example.org'],
		['LIVEKIT_URL', 'redis://x'],
		['LOG_LEVEL', 'loud']
	])('refuses %s=%j with a ConfigError naming it', (name, value) => {
		// A LiveKit URL comes with its key and secret, so that only the bad URL is reported.
		const companions = name === 'LIVEKIT_URL' ? { LIVEKIT_API_KEY: 'key', LIVEKIT_API_SECRET: 'secret' } : {};
		const error = configError({ [name]: value, ...companions });
		expect(error.problems).toHaveLength(1);
		expect(error.problems[0]!.startsWith(`${name}: `)).toBe(true);
		expect(error.message).toContain(name);
	});

	it('refuses ICE_SERVERS that are not a JSON array of STUN/TURN servers', () => {
		for (const bad of ['not json', '{"urls":"stun:x"}', '[{"urls":"http://x"}]', '[{"url":"stun:x"}]']) {
			expect(configError({ ICE_SERVERS: bad }).problems[0]).toMatch(/^ICE_SERVERS: /);
		}
		expect(configError({ P2P_MAX_PARTICIPANTS: '40' }).problems).toEqual(['P2P_MAX_PARTICIPANTS: must be at most 12']);
	});

	it('says what a URL variable must look like', () => {
		expect(configError({ DATABASE_URL: 'mysql://x' }).problems).toEqual([
			'DATABASE_URL: must be a URL starting with postgres:// or postgresql://'
		]);
		expect(configError({ REDIS_URL: 'http://x' }).problems).toEqual(['REDIS_URL: must be a URL starting with redis:// or rediss://']);
		expect(configError({ ORIGIN: 'notaurl' }).problems).toEqual(['ORIGIN: must be a URL starting with http:// or https://']);
		expect(configError({ PORT: '70000' }).problems).toEqual(['PORT: must be between 0 and 65535']);
	});

	it.each([
		[{ LIVEKIT_URL: LIVEKIT.LIVEKIT_URL }, ['LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET']],
		[{ LIVEKIT_URL: LIVEKIT.LIVEKIT_URL, LIVEKIT_API_KEY: 'key' }, ['LIVEKIT_API_SECRET']],
		[{ LIVEKIT_API_KEY: 'key', LIVEKIT_API_SECRET: 'secret' }, ['LIVEKIT_URL']],
		[{ LIVEKIT_API_SECRET: 'secret' }, ['LIVEKIT_URL', 'LIVEKIT_API_KEY']]
	])('refuses a partial LiveKit setup %j, naming the missing variables %j', (env, missing) => {
		const error = configError(env);
		expect(error.problems.map((p) => p.split(':')[0])).toEqual(missing);
		for (const name of missing) expect(error.message).toContain(name);
	});

	it('reports several problems together', () => {
		const error = configError({ PORT: 'abc', DATABASE_URL: 'mysql://x', REDIS_URL: 'http://x', ORIGIN: 'notaurl', LOG_LEVEL: 'loud' });
		expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'ORIGIN', 'PORT', 'REDIS_URL']);
		for (const name of ['PORT', 'DATABASE_URL', 'REDIS_URL', 'ORIGIN', 'LOG_LEVEL']) expect(error.message).toContain(name);
	});

	it('treats empty optional service variables as unset', () => {
		const config = loadConfig({
			ORIGIN: '',
			DATABASE_URL: '',
			REDIS_URL: '',
			LIVEKIT_URL: '',
			LIVEKIT_API_KEY: '',
			LIVEKIT_API_SECRET: ''
		});
		expect(config.origin).toBeUndefined();
		expect(config.databaseUrl).toBeUndefined();
		expect(config.redisUrl).toBeUndefined();
		expect(config.livekit).toBeUndefined();
		// An empty LiveKit variable does not count as "set" next to real ones either.
		expect(configError({ LIVEKIT_URL: LIVEKIT.LIVEKIT_URL, LIVEKIT_API_KEY: '', LIVEKIT_API_SECRET: '' }).problems.length).toBe(2);
	});

	it.each(['PORT', 'HOST', 'DATA_DIR', 'LOG_LEVEL', 'SESSION_DAYS'])('treats an empty %s as unset: the default applies', (name) => {
		expect(loadConfig({ [name]: '' })).toEqual(loadConfig({}));
	});

	it('trims trailing slashes from ORIGIN', () => {
		expect(loadConfig({ ORIGIN: 'https://hearth.example.org/' }).origin).toBe('https://hearth.example.org');
		expect(loadConfig({ ORIGIN: 'http://localhost:3000//' }).origin).toBe('http://localhost:3000');
		expect(loadConfig({ ORIGIN: 'https://hearth.example.org' }).origin).toBe('https://hearth.example.org');
	});

	it('builds the livekit object only when all three LiveKit variables are set', () => {
		expect(loadConfig(LIVEKIT).livekit).toEqual({ url: 'wss://media.example.org', apiKey: 'key', apiSecret: 'secret' });
		expect(loadConfig({ ...LIVEKIT, LIVEKIT_URL: 'https://media.example.org' }).livekit?.url).toBe('https://media.example.org');
	});
});
