"""What every page shares (an interface, like portal.api): who the signed-in employee is, form
fields that refuse what cannot be stored, the error pages, the password reset request."""
