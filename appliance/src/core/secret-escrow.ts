/**
 * Port for escrowing a secret to the central Identity Manager: sealed to the centre's public
 * key, so that once sealed the device itself cannot open it. The context (card id and
 * number) is bound in, so an escrowed PUK copied onto another card does not open. Pure
 * interface; depends on nothing.
 */
export interface SecretEscrow {
  /** Identifies the centre's key the secret was sealed to (a SHA-256 of its SPKI, hex). */
  readonly keyId: string;
  seal(plaintext: string, context: string): string;
}

/** Escrow context of a card's PUK: its id and number, so a sealed PUK cannot be moved. */
export const pukEscrowContext = (cardId: string, cardNumber: string): string =>
  `card:${cardId}:${cardNumber}:puk`;
