// Cart totals. Amounts are integer cents.
import { applyDiscount } from './discounts.js'

export const FREE_SHIPPING_FROM = 5000
export const SHIPPING_FEE = 495

/** Sum of the line items: unit price times quantity. */
export function itemsSubtotal(items) {
  return items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0)
}

/** The cart with its cached summary brought up to date; called whenever its items change. */
export function summarize(cart) {
  return { ...cart, summary: { total: itemsSubtotal(cart.items), count: cart.items.length } }
}

/**
 * What the customer pays: the cart's subtotal, less its discount code, plus shipping below the
 * free-shipping threshold. An empty cart costs nothing.
 */
export function cartTotal(cart) {
  const subtotal = cart.summary.total
  if (subtotal === 0) return 0
  const discounted = cart.discountCode ? applyDiscount(subtotal, cart.discountCode) : subtotal
  const shipping = discounted >= FREE_SHIPPING_FROM ? 0 : SHIPPING_FEE
  return discounted + shipping
}
