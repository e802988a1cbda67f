"""The pages of approvals (an interface, like approvals.api): they read the browser's input,
call the domain core (approvals.services, approvals.selectors) and render."""
