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
	LIVEKIT_URL: optionalUrl(['ws:', 'wss:', 'http:', 'https:']),
	LIVEKIT_API_KEY: optionalString,
	LIVEKIT_API_SECRET: optionalString,
	LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
	SESSION_DAYS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(365).default(30)
});

export interface Config {
	port: number;
	host: string;
	/** Public origin (scheme://host[:port]); decides the Secure cookie flag and absolute links. */
	origin: string | undefined;
	dataDir: string;
	databaseUrl: string | undefined;
	redisUrl: string | undefined;
	livekit: { url: string; apiKey: string; apiSecret: string } | undefined;
	logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
	sessionDays: number;
}

export class ConfigError extends Error {
	constructor(readonly problems: string[]) {
		super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
		this.name = 'ConfigError';
	}
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
	const parsed = envSchema.safeParse(env);
	if (!parsed.success) {
		throw new ConfigError(parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')}: ${issue.message}`));
	}
	const e = parsed.data;
	const livekitParts = [e.LIVEKIT_URL, e.LIVEKIT_API_KEY, e.LIVEKIT_API_SECRET];
	const livekitSet = livekitParts.filter((v) => v !== undefined).length;
	if (livekitSet !== 0 && livekitSet !== 3) {
		const missing = (['LIVEKIT_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET'] as const).filter((name) => e[name] === undefined);
		throw new ConfigError(
			missing.map((name) => `${name}: must be set when any of LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET is set`)
		);
	}
	return {
		port: e.PORT,
		host: e.HOST,
		origin: e.ORIGIN?.replace(/\/+$/, ''),
		dataDir: path.resolve(e.DATA_DIR),
		databaseUrl: e.DATABASE_URL,
		redisUrl: e.REDIS_URL,
		livekit: livekitSet === 3 ? { url: e.LIVEKIT_URL!, apiKey: e.LIVEKIT_API_KEY!, apiSecret: e.LIVEKIT_API_SECRET! } : undefined,
		logLevel: e.LOG_LEVEL,
		sessionDays: e.SESSION_DAYS
	};
}
