import type { Hearth } from '../server/app.ts';
import type { User } from '../server/auth/users.store.ts';

declare global {
	namespace App {
		interface Locals {
			hearth: Hearth;
			user: User | undefined;
		}
		interface Error {
			message: string;
			code?: string;
		}
	}
}

export {};
