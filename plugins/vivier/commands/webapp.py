"""`vivier unsubscribe-app`: serve the unsubscribe (and preferences) web application locally.

For production, run `mailing.webapp.wsgi:application` under a WSGI server
(gunicorn…); see docs/delivery.md.
"""

from __future__ import annotations

import click


@click.command("unsubscribe-app")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8025, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.pass_context
def unsubscribe_app(ctx, host, port):
    """Serve the one-click unsubscribe application (RFC 8058) with wsgiref, until Ctrl-C."""
    from mailing.webapp import create_app
    from mailing.webapp.serve import make

    from ..cli import settings_from

    settings = settings_from(ctx)
    try:
        app = create_app(settings)
    except RuntimeError as exc:  # a production configuration without VIVIER_SECRET
        raise click.ClickException(str(exc)) from exc
    from talentpool import config
    from talentpool.sample import is_sample_store

    with app.open_store() as store:
        if is_sample_store(store):
            click.echo(f"Note: {config.path(settings, 'POOL_PATH')} is the fictional sample store; "
                       "set VIVIER_POOL to serve your real pool", err=True)
    server = make(app, host, port)
    paths = ", ".join(sorted(app.routes))
    click.echo(f"Serving {paths} on http://{host}:{server.server_address[1]} (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.server_close()


commands = [unsubscribe_app]
