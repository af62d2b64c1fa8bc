// Route handlers: plain functions from request data to { status, body }.
import { cartTotal } from '../cart/totals.js'
import { formatOrderDate } from '../format/date.js'
import { suggest } from '../search/suggest.js'
import { CATALOG } from '../data/catalog.js'

export function cartRoute(session) {
  const cart = session.cart ?? { items: [] }
  return { status: 200, body: { items: cart.items.length, total: cartTotal(cart) } }
}

export function checkoutRoute(session, body) {
  const cart = { ...session.cart, discountCode: body.discountCode }
  return { status: 200, body: { charged: cartTotal(cart) } }
}

export function orderRoute(order) {
  return { status: 200, body: { id: order.id, status: order.status, placed: formatOrderDate(order) } }
}

export function searchRoute(url) {
  return { status: 200, body: { suggestions: suggest(url.searchParams.get('q'), CATALOG) } }
}
