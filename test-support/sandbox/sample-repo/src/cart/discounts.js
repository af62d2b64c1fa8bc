// Discount codes from the newsletter and the flyers.
const CODES = {
  SAVE10: { percent: 10 },
  WELCOME5: { percent: 5 },
  SPRING20: { percent: 20 }
}

/** The amount after the code's discount, in cents, rounded down. Throws for a code that does not exist. */
export function applyDiscount(amount, code) {
  const discount = CODES[code]
  if (!discount) throw new Error('discount code not found')
  return Math.floor((amount * (100 - discount.percent)) / 100)
}

export function isKnownCode(code) {
  return Object.hasOwn(CODES, code)
}
