/**
 * Configuration comes only from environment variables, validated once at start.
 * A bad value stops the process with a message naming the variable, never a stack trace.
 */
import path from 'node:path';
import { z } from 'zod';

const optionalUrl = (protocols: string[]) =>
	z
		.string()
		.trim()
		.optional()
		.transform((v) => (v === '' ? undefined : v))
		.refine(
			(v) => {
				if (v === undefined) return true;
				try {
					return protocols.includes(new URL(v).protocol);
				} catch {
					return false;
				}
			},
			{ message: `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}` }
		);

const optionalString = z
	.string()
	.optional()
	.transform((v) => (v === '' ? undefined : v));

const envSchema = z.object({
	PORT: z.coerce
		.number({ message: 'must be a number' })
		.int('must be a whole number')
		.min(0, 'must be between 0 and 65535')
		.max(65535, 'must be between 0 and 65535')
		.default(3000),
	HOST: z.string().trim().min(1, 'must not be empty').default('0.0.0.0'),
	ORIGIN: optionalUrl(['http:', 'https:']),
	DATA_DIR: z.string().trim().min(1, 'must not be empty').default('data'),
	DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
	REDIS_URL: optionalUrl(['redis:', 'rediss:']),
	REDIS_PREFIX: z
		.string()
		.trim()
		.regex(/^[A-Za-z0-9_:.-]{1,64}$/, 'must be 1-64 letters, digits or _ : . -')
		.optional(),
	REDIS_LEASE_SECONDS: z.coerce
		.number({ message: 'must be a number' })
		.int('must be a whole number')
		.min(1, 'must be between 1 and 300')
		.max(300, 'must be between 1 and 300')
		.optional(),
	WIND_DOWN_SECONDS: z.coerce
		.number({ message: 'must be a number' })
		.int('must be a whole number')
		.min(1, 'must be between 1 and 600')
		.max(600, 'must be between 1 and 600')
		.optional(),
	LIVEKIT_URL: optionalUrl(['ws:', 'wss:', 'http:', 'https:']),
	LIVEKIT_API_KEY: optionalString,
	LIVEKIT_API_SECRET: optionalString,
	LOG_LEVEL: z
		.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
			message: 'must be one of fatal, error, warn, info, debug, trace, silent'
		})
		.default('info'),
	SESSION_DAYS: z.coerce
		.number({ message: 'must be a number' })
		.int('must be a whole number')
		.min(1, 'must be between 1 and 365')
		.max(365, 'must be between 1 and 365')
		.default(30),
	BOARD_IDLE_SECONDS: z.coerce
		.number({ message: 'must be a number' })
		.int('must be a whole number')
		.min(0, 'must be 0 or more')
		.max(86_400, 'must be at most 86400')
		.default(30),
	ICE_SERVERS: z
		.string()
		.transform((v, ctx) => {
			try {
				return JSON.parse(v) as unknown;
			} catch {
				ctx.addIssue({ code: 'custom', message: 'must be a JSON array of ICE servers' });
				return z.NEVER;
			}
		})
		.pipe(
			z.array(
				z
					.object({
						urls: z.union([z.string().regex(/^(stun|turns?):/), z.array(z.string().regex(/^(stun|turns?):/)).min(1)]),
						username: z.string().optional(),
						credential: z.string().optional()
					})
					.strict(),
				{ message: 'must be a JSON array like [{"urls":"stun:stun.example.org:3478"}]' }
			)
		)
		.optional(),
	P2P_MAX_PARTICIPANTS: z.coerce
		.number({ message: 'must be a number' })
		.int('must be a whole number')
		.min(2, 'must be at least 2')
		.max(12, 'must be at most 12')
		.default(6),
	SCREEN_SHARE: z.enum(['facilitators', 'everyone'], { message: 'must be facilitators or everyone' }).default('facilitators'),
	BOARD_PING_SECONDS: z.coerce
		.number({ message: 'must be a number' })
		.int('must be a whole number')
		.min(1, 'must be at least 1')
		.max(3600, 'must be at most 3600')
		.default(30),
	BOARD_COMPACT_EVERY: z.coerce
		.number({ message: 'must be a number' })
		.int('must be a whole number')
		.min(1, 'must be at least 1')
		.max(1_000_000, 'must be at most 1000000')
		.default(500)
});

const VARIABLES = Object.keys(envSchema.shape) as (keyof typeof envSchema.shape)[];

export interface Config {
	port: number;
	host: string;
	/** Public origin (scheme://host[:port]); decides the Secure cookie flag and absolute links. */
	origin: string | undefined;
	dataDir: string;
	databaseUrl: string | undefined;
	redisUrl: string | undefined;
	/**
	 * Scale-out settings, used only with `redisUrl`. Unset means the default (see `scaleDefaults`),
	 * so that a configuration without them stays exactly what it was.
	 */
	redisPrefix?: string | undefined;
	redisLeaseMs?: number | undefined;
	/** How long a round's wind-down lasts (unset: shared/live.ts WIND_DOWN_MS, one minute). */
	windDownMs?: number | undefined;
	livekit: { url: string; apiKey: string; apiSecret: string } | undefined;
	logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
	sessionDays: number;
	boards: { idleMs: number; compactEvery: number; pingIntervalMs: number };
	media: {
		iceServers: { urls: string | string[]; username?: string; credential?: string }[];
		maxParticipants: number;
		screenShare: 'facilitators' | 'everyone';
	};
}

/** Defaults of the scale-out settings (README's configuration table). */
export const scaleDefaults = { redisPrefix: 'hearth:', redisLeaseMs: 10_000 } as const;

export class ConfigError extends Error {
	constructor(readonly problems: string[]) {
		super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
		this.name = 'ConfigError';
	}
}

const LIVEKIT_VARS = ['LIVEKIT_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET'] as const;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
	// A variable set to nothing (`PORT=` in an env file) means "unset", not 0 or "": it takes its default.
	const present: Record<string, string> = {};
	for (const name of VARIABLES) {
		const value = env[name];
		if (value !== undefined && value.trim() !== '') present[name] = value;
	}
	const problems: string[] = [];
	const parsed = envSchema.safeParse(present);
	if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')}: ${issue.message}`));
	const livekitSet = LIVEKIT_VARS.filter((name) => present[name] !== undefined);
	if (livekitSet.length !== 0 && livekitSet.length !== LIVEKIT_VARS.length) {
		for (const name of LIVEKIT_VARS) {
			if (present[name] === undefined) problems.push(`${name}: must be set when any of ${LIVEKIT_VARS.join(', ')} is set`);
		}
	}
	if (!parsed.success || problems.length) throw new ConfigError(problems);
	const e = parsed.data;
	return {
		port: e.PORT,
		host: e.HOST,
		origin: e.ORIGIN?.replace(/\/+$/, ''),
		dataDir: path.resolve(e.DATA_DIR),
		databaseUrl: e.DATABASE_URL,
		redisUrl: e.REDIS_URL,
		redisPrefix: e.REDIS_PREFIX,
		redisLeaseMs: e.REDIS_LEASE_SECONDS === undefined ? undefined : e.REDIS_LEASE_SECONDS * 1000,
		windDownMs: e.WIND_DOWN_SECONDS === undefined ? undefined : e.WIND_DOWN_SECONDS * 1000,
		livekit:
			livekitSet.length === LIVEKIT_VARS.length
				? { url: e.LIVEKIT_URL!, apiKey: e.LIVEKIT_API_KEY!, apiSecret: e.LIVEKIT_API_SECRET! }
				: undefined,
		logLevel: e.LOG_LEVEL,
		sessionDays: e.SESSION_DAYS,
		media: { iceServers: e.ICE_SERVERS ?? [], maxParticipants: e.P2P_MAX_PARTICIPANTS, screenShare: e.SCREEN_SHARE },
		boards: { idleMs: e.BOARD_IDLE_SECONDS * 1000, compactEvery: e.BOARD_COMPACT_EVERY, pingIntervalMs: e.BOARD_PING_SECONDS * 1000 }
	};
}
