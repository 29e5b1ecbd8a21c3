/**
 * Fastify's own schema compilers (Ajv through @fastify/ajv-compiler, fast-json-stringify
 * through @fastify/fast-json-stringify-compiler, same options), each route's validator and
 * serializer compiled on its first use instead of all at start-up. Compiling every route's
 * schemas was the largest part of the start (CPU profile: ~40 % of it, see README "Start-up");
 * a route nobody calls now costs nothing, and the first call of a route pays a few ms once.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import SerializerCompiler from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;
type BuildValidator = NonNullable<CompilersFactory['buildValidator']>;
type BuildSerializer = NonNullable<CompilersFactory['buildSerializer']>;
type ValidatorRoute = Parameters<ReturnType<BuildValidator>>[0];

type Validate = ((data: unknown, dataCxt?: unknown) => unknown) & {
  errors?: unknown;
  schemaEnv?: unknown;
};

/**
 * Fastify lower-cases a header schema's property names itself, except for custom compilers
 * (which this is, to Fastify): do it here, since Node gives header names in lower case.
 */
function lowerCaseHeaders(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null) return schema;
  const s = schema as { properties?: Record<string, unknown>; required?: string[] };
  return {
    ...s,
    ...(s.properties
      ? {
          properties: Object.fromEntries(
            Object.entries(s.properties).map(([k, v]) => [k.toLowerCase(), v]),
          ),
        }
      : {}),
    ...(s.required ? { required: s.required.map((k) => k.toLowerCase()) } : {}),
  };
}

/**
 * One app's compilers. compileAll() compiles whatever is still pending, so a test can prove
 * that every route's schemas compile, as an eager start would have.
 */
export class LazySchemaCompilers {
  private readonly pending = new Set<() => void>();
  // One selector each, as Fastify keeps: it pools compilers by their external schemas.
  private readonly validators = AjvCompiler();
  private readonly serializers = SerializerCompiler();

  readonly compilersFactory: { buildValidator: BuildValidator; buildSerializer: BuildSerializer } =
    {
      buildValidator: (externalSchemas, options) => {
        // Even the Ajv instance is made on first use: adding the shared schemas costs too.
        let compiler: ReturnType<BuildValidator> | null = null;
        const compile: ReturnType<BuildValidator> = (route) =>
          (compiler ??= this.validators(externalSchemas, options))(route);
        return (route: ValidatorRoute) => {
          const target =
            route.httpPart === 'headers'
              ? { ...route, schema: lowerCaseHeaders(route.schema) }
              : route;
          let compiled: Validate | null = null;
          const ensure = (): Validate => {
            this.pending.delete(ensure);
            return (compiled ??= compile(target as never) as unknown as Validate);
          };
          this.pending.add(ensure);
          const validate: Validate = (data, dataCxt) => {
            const fn = ensure();
            const result = fn(data, dataCxt);
            validate.errors = fn.errors;
            return result;
          };
          // Fastify passes the parent object (so Ajv may coerce or default a whole part) only
          // to validators that have a schemaEnv, as Ajv's do.
          validate.schemaEnv = true;
          return validate as never;
        };
      },
      buildSerializer: (externalSchemas, options) => {
        let compiler: ReturnType<BuildSerializer> | null = null;
        const compile: ReturnType<BuildSerializer> = (route) =>
          (compiler ??= this.serializers(externalSchemas, options))(route);
        return (route) => {
          let compiled: ((data: unknown) => string) | null = null;
          const ensure = () => {
            this.pending.delete(ensure);
            return (compiled ??= compile(route));
          };
          this.pending.add(ensure);
          return (data: unknown) => ensure()(data);
        };
      },
    };

  /** Compiles every schema not compiled yet; returns how many there were. */
  compileAll(): number {
    const all = [...this.pending];
    for (const compile of all) compile();
    return all.length;
  }
}

const compilersOfApp = new WeakMap<object, LazySchemaCompilers>();

/** Remembers which compilers an app uses, for compileAllSchemas. */
export function attachSchemaCompilers(app: object, compilers: LazySchemaCompilers): void {
  compilersOfApp.set(app, compilers);
}

/** Compiles every schema of an app built by buildApp now (tests); returns how many. */
export function compileAllSchemas(app: object): number {
  const compilers = compilersOfApp.get(app);
  if (!compilers) throw new Error('this app was not built with lazy schema compilers');
  return compilers.compileAll();
}
