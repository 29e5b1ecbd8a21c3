/**
 * Staff sessions: the session token travels in an HttpOnly, SameSite=Strict cookie; every
 * request resolves it (if present) before anything else, and routes declare which roles they
 * need. A user who still has to change a one-time passcode can do nothing else.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { DomainError, ForbiddenError, UnauthenticatedError } from '../../core/errors.js';
import type { StaffRole } from '../../core/roles.js';
import type { AuthService, SignedInUser } from '../../services/auth-service.js';

export const SESSION_COOKIE = 'ck_session';

declare module 'fastify' {
  interface FastifyRequest {
    staff: SignedInUser | null;
    sessionToken: string | null;
  }
  interface FastifyContextConfig {
    /** Allowed while the user must still change a one-time passcode. */
    allowBeforePasscodeChange?: boolean;
  }
}

export function installSessionAuth(
  app: FastifyInstance,
  auth: AuthService,
  opts: { secureCookie: boolean },
): void {
  app.decorateRequest('staff', null);
  app.decorateRequest('sessionToken', null);
  app.addHook('onRequest', async (request) => {
    const token = request.cookies[SESSION_COOKIE];
    if (!token) return;
    request.sessionToken = token;
    try {
      request.staff = await auth.authenticate(token);
    } catch (err) {
      if (!(err instanceof UnauthenticatedError)) throw err;
    }
  });
  app.decorateReply('setSessionCookie', function (this: FastifyReply, token: string) {
    this.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: opts.secureCookie,
    });
  });
  app.decorateReply('clearSessionCookie', function (this: FastifyReply) {
    this.clearCookie(SESSION_COOKIE, { path: '/' });
  });
}

declare module 'fastify' {
  interface FastifyReply {
    setSessionCookie(token: string): void;
    clearSessionCookie(): void;
  }
}

/** preHandler: a signed-in staff member with at least one of the roles (any role if none given). */
export function requireStaff(...roles: StaffRole[]): preHandlerHookHandler {
  return async (request: FastifyRequest) => {
    const staff = request.staff;
    if (!staff) throw new UnauthenticatedError();
    if (staff.user.mustChangePasscode && !request.routeOptions.config.allowBeforePasscodeChange) {
      throw new DomainError(
        'PASSCODE_CHANGE_REQUIRED',
        'change your one-time passcode before you continue',
      );
    }
    if (roles.length > 0 && !roles.some((r) => staff.user.roles.includes(r))) {
      throw new ForbiddenError(`this needs one of the roles: ${roles.join(', ')}`);
    }
  };
}

export function staffActor(request: FastifyRequest): SignedInUser['actor'] {
  if (!request.staff) throw new UnauthenticatedError();
  return request.staff.actor;
}
