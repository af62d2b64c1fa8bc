// The products search suggests, with how many were sold last month.
export const CATALOG = [
  { sku: 'mug-classic', name: 'Mug, classic', price: 1200, sold: 310 },
  { sku: 'mug-travel', name: 'Mug, travel', price: 2400, sold: 145 },
  { sku: 'muesli-1kg', name: 'Muesli 1 kg', price: 899, sold: 402 },
  { sku: 'teapot', name: 'Teapot', price: 3900, sold: 58 },
  { sku: 'tea-green', name: 'Tea, green (100 bags)', price: 650, sold: 230 },
  { sku: 'tea-black', name: 'Tea, black (100 bags)', price: 650, sold: 275 },
  { sku: 'towel', name: 'Tea towel', price: 800, sold: 96 }
]
