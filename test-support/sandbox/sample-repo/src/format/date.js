// Dates as the order pages show them, always in UTC so that every customer sees the same day.
const ORDER_DATE = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC'
})

/** "Mar 4, 2025": the day an order was placed. */
export function formatOrderDate(order) {
  return ORDER_DATE.format(new Date(order.placedAt))
}
