// Deterministic tensor lifetime: tidy() frees every tensor created inside it except what it returns.
//
// The garbage collector is the safety net for the rest: a tensor outside every scope (created
// outside tidy, returned from the outermost one, or kept) reports its size to V8 then, so that the
// collector runs when such tensors pile up. Tensors inside a scope are not reported: the scope
// holds them, so a collection could not free them, and reporting them only started full
// collections that found nothing (several per forward pass of a model whose intermediates exceed
// V8's 64 MB external-memory step).
import { native } from './native.js';

/** What a scope tracks (the Tensor class implements it). */
export interface Scoped {
  scope: Scoped[] | null;
  kept: boolean;
  dispose(): void;
  /** Hands the tensor to the garbage collector's accounting: it is in no scope now. */
  unscoped(): void;
}

const stack: Scoped[][] = [];

/** Called by every new tensor: it belongs to the innermost open scope, if any. */
export function track(t: Scoped): void {
  const s = stack[stack.length - 1];
  if (s) {
    t.scope = s;
    s.push(t);
  } else {
    t.unscoped();
  }
}

/** Marks tensors found in a result (tensor, array, plain object, nested) with `visit`. */
function forEachTensor(x: unknown, visit: (t: Scoped) => void, depth = 0): void {
  if (x === null || typeof x !== 'object' || depth > 8) return;
  if ('scope' in x && 'kept' in x && typeof (x as Scoped).dispose === 'function') {
    visit(x as Scoped);
    return;
  }
  if (Array.isArray(x)) {
    for (const v of x) forEachTensor(v, visit, depth + 1);
  } else if (x instanceof Map) {
    for (const v of x.values()) forEachTensor(v, visit, depth + 1);
  } else if (Object.getPrototypeOf(x) === Object.prototype) {
    for (const v of Object.values(x)) forEachTensor(v, visit, depth + 1);
  }
}

/**
 * Runs fn and then disposes every tensor created during it, except the tensors it returns (which
 * move to the enclosing scope) and tensors marked with keep(). Like TensorFlow.js's tidy.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Scoped[] = [];
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    for (const t of scope) if (t.scope === scope && !t.kept) t.dispose();
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) {
    for (const t of scope) if (t.scope === scope && !t.kept) t.dispose();
    throw new Error('tidy() takes a synchronous function: tensors cannot be tracked across an await');
  }
  const parent = stack[stack.length - 1] ?? null;
  const escaped: Scoped[] = [];
  forEachTensor(result, (t) => {
    if (t.scope === scope) {
      t.scope = parent;
      if (parent) parent.push(t);
      else escaped.push(t);
    }
  });
  for (const t of scope) if (t.scope === scope && !t.kept) t.dispose();
  // Reported after the disposals: a returned view of a disposed intermediate owns its storage now.
  for (const t of escaped) t.unscoped();
  return result;
}

/** Exempts a tensor from every scope: it lives until dispose() (or, as a last resort, the GC). */
export function keep<T extends Scoped>(t: T): T {
  t.kept = true;
  t.scope = null;
  t.unscoped();
  return t;
}

/** Number of native tensors currently alive (created and neither disposed nor collected). */
export function liveTensors(): number {
  return native.live();
}
