"""Driving Decap CMS's form as an editor does: by its labels, buttons and fields (French interface)."""

from __future__ import annotations


def open_editor(page, base: str):
    """The editor's home, signed in to the local backend (decap-server)."""
    page.goto(base + "/admin/")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Offres d'emploi (FR)").first.wait_for()


def new_entry(page, base: str, collection: str, first_field: str = "title"):
    page.goto(f"{base}/admin/#/collections/{collection}/new")
    field(page, first_field).wait_for()


def open_entry(page, base: str, collection: str, title: str, first_field: str = "title", reload: bool = False):
    """An existing entry, opened from its collection's list as an editor clicks it."""
    page.goto(f"{base}/admin/#/collections/{collection}")
    if reload:  # the editor reads the files again (Decap keeps its own copy otherwise)
        page.reload()
    page.get_by_text(title, exact=True).first.click()
    field(page, first_field).wait_for()


def field(page, name: str):
    """The input (or, for lists, the wrapper) of a field, by Decap's id `<name>-field-<n>`."""
    return page.locator(f"[id^='{name}-field-']").first


def fill(page, name: str, value: str):
    field(page, name).fill(value)


def choose(page, name: str, option: str, scope=None):
    """A react-select: open it, type, take the first match."""
    box = (scope or page).locator(f"input[id^='{name}-field-']").first
    box.click()
    box.fill(option)
    page.keyboard.press("Enter")


def choose_related(page, name: str, search: str):
    """A relation widget: search the original's entries, take the first one found."""
    box = page.locator(f"input[id^='{name}-field-']").first
    box.click()
    box.fill(search)
    page.get_by_role("option").first.wait_for()
    page.keyboard.press("Enter")


def add_items(page, name: str, label: str, items: list[str]):
    """Items of a list of strings, one `Ajouter …` click each."""
    wrapper = field(page, name)
    for item in items:
        page.get_by_role("button", name=f"Ajouter {label}").click()
        wrapper.locator("input[id^='item-field-']").last.fill(item)


def add_location(page, city: str | None, postal_code: str, country: str):
    page.get_by_role("button", name="Ajouter locations").click()
    wrapper = field(page, "locations")
    if city:
        choose(page, "city", city, scope=wrapper)
    wrapper.locator("input[id^='postal_code-field-']").last.fill(postal_code)
    wrapper.locator("input[id^='country-field-']").last.fill(country)


def fill_body(page, text: str):
    """The Markdown body, in the widget's raw mode (the editor's default here)."""
    editable = page.locator("[aria-label='markdown field'] [contenteditable='true']").first
    editable.click()
    for number, line in enumerate(text.split("\n")):
        if number:
            page.keyboard.press("Enter")
        if line:
            page.keyboard.insert_text(line)


def publish(page):
    """Publier → Publier maintenant (the local backend has no editorial workflow)."""
    page.get_by_role("button", name="Publier").first.click()
    page.get_by_text("Publier maintenant", exact=True).click()


def saved(page):
    """Waits until Decap says the entry is saved."""
    page.get_by_text("Modifications enregistrées").first.wait_for()


def errors(page) -> list[str]:
    """The form's field errors, as Decap shows them next to each field."""
    return [e.inner_text() for e in page.locator("ul[class*='ControlErrorsList'] li, [class*='ControlErrorsList'] li").all()]
