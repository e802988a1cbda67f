"""The pages of orders (an interface, like orders.api): they read the browser's input, call the
domain core (orders.requests, orders.services, orders.selectors) and render. Nothing here is a
rule of its own."""
