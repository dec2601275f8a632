"""Run the careers plugin's content checks without writing the site."""

from __future__ import annotations

from pelican import Pelican, signals


def check_content(settings: dict) -> None:
    """Read and validate every content file; raise ContentError listing all problems.

    Mirrors the first half of `Pelican.run`: the same generators read the same
    files and the same `all_generators_finalized` validation runs, but nothing
    is written.
    """
    pelican = Pelican(settings)
    context = settings.copy()
    context["generated_content"] = {}
    context["static_links"] = set()
    context["static_content"] = {}
    context["localsiteurl"] = settings["SITEURL"]
    generators = [
        cls(context=context, settings=settings, path=pelican.path, theme=pelican.theme, output_path=pelican.output_path)
        for cls in pelican._get_generator_classes()
    ]
    for generator in generators:
        if hasattr(generator, "generate_context"):
            generator.generate_context()
    signals.all_generators_finalized.send(generators)
