"""Read and validate all content as a build would, writing nothing.

`vivier check`, newsletter previews and invitation plans must see exactly
what `make site` sees: the same generators read the same files and the same
end-of-reading validation runs; only Pelican's writing half is left out.
"""

from __future__ import annotations

import gc

from pelican import Pelican, signals


def read_all(settings: dict) -> list:
    """Every generator after `generate_context`; raises ContentError listing all problems."""
    pelican = Pelican(settings)
    context = settings.copy()
    context.update(generated_content={}, static_links=set(), static_content={}, localsiteurl=settings["SITEURL"])
    # A generator that runs others (the mailing plugin's engine) reads in this process with `read_here`
    # and names them in `parts`, so that callers find each of them after reading.
    composites = [
        cls(context=context, settings=settings, path=pelican.path, theme=pelican.theme, output_path=pelican.output_path)
        for cls in pelican._get_generator_classes()
    ]
    generators = []
    for generator in composites:
        if hasattr(generator, "read_here"):
            generator.read_here()
            generators.extend(generator.parts)
        else:
            if hasattr(generator, "generate_context"):
                generator.generate_context()
            generators.append(generator)
    try:
        signals.all_generators_finalized.send(generators)
    finally:
        gc.unfreeze()  # no writing half follows: the collector may walk everything again (careers.freeze_contexts)
    return generators
