"""The mail engine: one generator (`generator.MailEngine`) over the registry's kinds, one budget (`budget`)."""
