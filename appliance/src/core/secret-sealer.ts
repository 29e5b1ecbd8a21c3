/**
 * Port for sealing secrets at rest (PIN until collection, PUK in escrow). A sealed value is
 * bound to its context (for example the card id), so a sealed PIN copied onto another card's
 * row does not open.
 */
export interface SecretSealer {
  seal(plaintext: string, context: string): string;
  /** Throws when the sealed value was altered or belongs to another context. */
  open(sealed: string, context: string): string;
}
