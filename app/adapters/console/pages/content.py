"""Content: the editors' list by status and type, the article editor with a Markdown
preview, the workflow (review, publish, archive, back to draft) with the item's version
checked on every write, the glossary, collections, the media library and the self-check
definitions. Same use cases as ``app/adapters/http/content.py`` and ``interactives.py``."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from app.adapters.console.markdown import render_markdown
from app.adapters.console.pages.forms import Form
from app.adapters.console.session import CONSOLE_PATH, View, flash_redirect
from app.adapters.http.content import decode_list_cursor, encode_list_cursor
from app.application.content.editorial import ItemFields
from app.application.content.ports import NewMedia
from app.application.content.service import ContentService
from app.application.interactives.ports import DefinitionVersion
from app.application.interactives.service import InteractiveService
from app.domain.content.model import ContentItem, ContentStatus, ContentType
from app.domain.errors import (
    Conflict,
    InvalidState,
    ValidationFailed,
    VersionConflict,
)

BASE = f"{CONSOLE_PATH}/content"
PAGE_SIZE = 50

STATUS_LABELS = {
    "draft": "Черновик",
    "review": "На проверке",
    "published": "Опубликовано",
    "archived": "В архиве",
}
TYPE_LABELS = {
    "article": "Статья",
    "note": "Заметка",
    "practice": "Практика",
    "faq": "Частый вопрос",
    "qa": "Вопрос и ответ",
    "page": "Страница",
}
# Workflow buttons for each status: (target status, button label).
MOVES: dict[str, tuple[tuple[str, str], ...]] = {
    "draft": (("review", "Отправить на проверку"),),
    "review": (("published", "Опубликовать"), ("draft", "Вернуть в черновик")),
    "published": (("archived", "В архив"),),
    "archived": (("draft", "Вернуть в черновик"),),
}
MOVE_DONE = {
    "review": "Отправлено на проверку.",
    "published": "Опубликовано.",
    "archived": "Перенесено в архив.",
    "draft": "Снова черновик.",
}
CONFLICT = (
    "Изменено другим сотрудником: пока вы редактировали, материал сохранили "
    "(сейчас версия {version}). Ваши правки не сохранены; ниже сохранённая версия, "
    "а ваш текст — в блоке «Ваши несохранённые правки»."
)
CONFLICT_SHORT = "Изменено другим сотрудником: ничего не сохранено, ниже сохранённая версия."
PUBLISH_STATUSES = {"draft": "Черновик", "published": "Опубликовано", "archived": "В архиве"}
MEDIA_KINDS = {"image": "Изображение", "audio": "Аудио", "video": "Видео", "file": "Файл"}

StatusQuery = Annotated[str | None, QueryParameter(name="status", max_length=20)]
TypeQuery = Annotated[str | None, QueryParameter(name="type", max_length=20)]
CursorQuery = Annotated[str | None, QueryParameter(name="cursor", max_length=200)]


class ArticleForm(msgspec.Struct):
    type: str = "article"
    slug: str = ""
    title: str = ""
    summary: str = ""
    body_markdown: str = ""
    version: str = ""
    item_id: str = ""


class MoveForm(msgspec.Struct):
    target: str = ""
    version: str = ""


class PreviewForm(msgspec.Struct):
    body_markdown: str = ""


class GlossaryForm(msgspec.Struct):
    slug: str = ""
    term: str = ""
    definition_markdown: str = ""
    status: str = "draft"
    synonyms: str = ""


class CollectionForm(msgspec.Struct):
    slug: str = ""
    title: str = ""
    description: str = ""
    status: str = "draft"
    items: str | list[str] = []  # one checked box posts a single value

    def item_list(self) -> list[str]:
        return [self.items] if isinstance(self.items, str) else list(self.items)


class MediaForm(msgspec.Struct):
    kind: str = "image"
    storage_key: str = ""
    url: str = ""
    mime_type: str = ""
    size_bytes: str = ""
    width: str = ""
    height: str = ""
    alt_text: str = ""


class ConfigForm(msgspec.Struct):
    config: str = ""


class PublishForm(msgspec.Struct):
    version_no: str = ""


class DefinitionForm(msgspec.Struct):
    title: str = ""
    description: str = ""
    topic_code: str = ""
    version: str = ""


def _text(value: str) -> str | None:
    value = value.strip()
    return value or None


def _number(value: str, field: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed("Нужно целое число", field=field) from None


def _lines(value: str) -> str:
    """A textarea's text with the line ends the API's clients send (browsers post CRLF)."""
    return value.replace("\r\n", "\n")


def _fields(data: ArticleForm) -> ItemFields:
    return ItemFields(
        slug=data.slug.strip(),
        title=data.title.strip(),
        summary=_lines(data.summary.strip()),
        body_markdown=_lines(data.body_markdown),
    )


def _form_of(item: ContentItem) -> ArticleForm:
    return ArticleForm(
        type=item.type.value,
        slug=item.slug,
        title=item.title,
        summary=item.summary or "",
        body_markdown=item.body_markdown,
        version=str(item.version),
        item_id=str(item.id),
    )


def _problem(exc: ValidationFailed | InvalidState | Conflict) -> str:
    field = getattr(exc, "field", None)
    detail = exc.detail or "Данные не подходят."
    return f"{detail} (поле {field})" if field else detail


def _is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def _labels() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS,
        "type_labels": TYPE_LABELS,
        "moves": MOVES,
        "publish_statuses": PUBLISH_STATUSES,
        "media_kinds": MEDIA_KINDS,
    }


class ContentPage(Controller):
    path = "/content"

    # --- items ---------------------------------------------------------------------

    @get("/", name="console_content")
    async def list_items(
        self,
        view: NamedDependency[View],
        content: NamedDependency[ContentService],
        status: StatusQuery = None,
        type_: TypeQuery = None,
        cursor: CursorQuery = None,
    ) -> Template:
        status = status if status in STATUS_LABELS else None
        type_ = type_ if type_ in TYPE_LABELS else None
        page = await content.editorial.list_items(
            view.principal, status, type_, decode_list_cursor(cursor, ranked=False), PAGE_SIZE
        )
        next_cursor = encode_list_cursor(page.next_cursor)
        return view.render(
            "content/list.html",
            items=page.items,
            status=status or "",
            type=type_ or "",
            next_cursor=next_cursor,
            **_labels(),
        )

    @get("/new")
    async def new_item(self, view: NamedDependency[View]) -> Template:
        return self._editor(view, None, ArticleForm())

    @post("/new", status_code=303)
    async def create_item(
        self,
        view: NamedDependency[View],
        content: NamedDependency[ContentService],
        data: Form[ArticleForm],
    ) -> Template | Redirect:
        if data.type not in TYPE_LABELS:
            return self._editor(view, None, data, error="Выберите тип материала.", status=422)
        try:
            item = await content.editorial.create(
                view.principal, ContentType(data.type), _fields(data)
            )
        except ValidationFailed as exc:
            return self._editor(view, None, data, error=_problem(exc), status=422)
        return flash_redirect(f"{BASE}/{item.id}", "Черновик создан.")

    @post("/preview", status_code=200)
    async def preview(
        self,
        request: Request[Any, Any, Any],
        view: NamedDependency[View],
        content: NamedDependency[ContentService],
        data: Form[ArticleForm],
    ) -> Template:
        """The body rendered as the site shows it: a fragment for htmx, else the whole
        editor with the posted fields and the preview (the form works without script)."""
        if _is_htmx(request):
            return Template(
                template_name="content/preview.html",
                context={"preview_html": render_markdown(data.body_markdown)},
                media_type="text/html",
            )
        item = None
        if data.item_id:
            try:
                item = await content.editorial.get(view.principal, uuid.UUID(data.item_id))
            except ValueError:
                item = None
        return self._editor(view, item, data)

    @get("/{item_id:uuid}")
    async def edit_item(
        self,
        item_id: FromPath[uuid.UUID],
        view: NamedDependency[View],
        content: NamedDependency[ContentService],
    ) -> Template:
        item = await content.editorial.get(view.principal, item_id)
        versions = await content.editorial.versions(view.principal, item_id)
        return self._editor(view, item, _form_of(item), versions=versions)

    @post("/{item_id:uuid}", status_code=303)
    async def save_item(
        self,
        item_id: FromPath[uuid.UUID],
        view: NamedDependency[View],
        content: NamedDependency[ContentService],
        data: Form[ArticleForm],
    ) -> Template | Redirect:
        expected = _number(data.version, "version")
        try:
            await content.editorial.update(view.principal, item_id, _fields(data), expected)
        except VersionConflict:
            return await self._conflict(view, content, item_id, data)
        except ValidationFailed as exc:
            item = await content.editorial.get(view.principal, item_id)
            return self._editor(view, item, data, error=_problem(exc), status=422)
        return flash_redirect(f"{BASE}/{item_id}", "Сохранено.")

    @post("/{item_id:uuid}/move", status_code=303)
    async def move_item(
        self,
        item_id: FromPath[uuid.UUID],
        view: NamedDependency[View],
        content: NamedDependency[ContentService],
        data: Form[MoveForm],
    ) -> Template | Redirect:
        if data.target not in MOVE_DONE:
            raise ValidationFailed("Неизвестное действие", field="target")
        expected = _number(data.version, "version")
        try:
            await content.editorial.transition(
                view.principal, item_id, ContentStatus(data.target), expected
            )
        except VersionConflict:
            return await self._conflict(view, content, item_id, None)
        except InvalidState as exc:
            item = await content.editorial.get(view.principal, item_id)
            versions = await content.editorial.versions(view.principal, item_id)
            return self._editor(
                view, item, _form_of(item), versions=versions, error=_problem(exc), status=409
            )
        return flash_redirect(f"{BASE}/{item_id}", MOVE_DONE[data.target])

    async def _conflict(
        self,
        view: View,
        content: ContentService,
        item_id: uuid.UUID,
        mine: ArticleForm | None,
    ) -> Template:
        """The saved item as it is now, the refused edit beside it; nothing written."""
        item = await content.editorial.get(view.principal, item_id)
        versions = await content.editorial.versions(view.principal, item_id)
        return self._editor(
            view,
            item,
            _form_of(item),
            versions=versions,
            error=CONFLICT.format(version=item.version),
            mine=mine,
            status=409,
        )

    def _editor(
        self,
        view: View,
        item: ContentItem | None,
        form: ArticleForm,
        *,
        versions: Any = (),
        error: str | None = None,
        mine: ArticleForm | None = None,
        status: int = 200,
    ) -> Template:
        public_url = (
            f"/api/v1/content/{item.type.value}/{item.slug}"
            if item is not None and item.status is ContentStatus.PUBLISHED
            else None
        )
        return view.render(
            "content/editor.html",
            status_code=status,
            item=item,
            form=form,
            versions=versions,
            error=error,
            mine=mine,
            public_url=public_url,
            preview_html=render_markdown(form.body_markdown),
            **_labels(),
        )

    # --- glossary ------------------------------------------------------------------

    @get("/glossary")
    async def glossary(
        self,
        view: NamedDependency[View],
        content: NamedDependency[ContentService],
        slug: Annotated[str | None, QueryParameter(name="slug", max_length=200)] = None,
    ) -> Template:
        terms = await content.taxonomy.glossary_terms(view.principal)
        form = GlossaryForm()
        found = next((t for t in terms if t.slug == slug), None)
        if found is not None:
            form = GlossaryForm(
                slug=found.slug,
                term=found.term,
                definition_markdown=found.definition_markdown,
                status=found.status,
                synonyms=", ".join(found.synonyms),
            )
        elif slug:
            form = GlossaryForm(slug=slug)
        return view.render("content/glossary.html", terms=terms, form=form, **_labels())

    @post("/glossary", status_code=303)
    async def put_glossary(
        self,
        view: NamedDependency[View],
        content: NamedDependency[ContentService],
        data: Form[GlossaryForm],
    ) -> Template | Redirect:
        parts = data.synonyms.replace("\n", ",").split(",")
        synonyms = tuple(s.strip() for s in parts if s.strip())
        try:
            if data.status not in PUBLISH_STATUSES:
                raise ValidationFailed("Неизвестный статус", field="status")
            await content.taxonomy.put_glossary_term(
                view.principal,
                data.slug.strip(),
                data.term.strip(),
                _lines(data.definition_markdown),
                data.status,
                synonyms,
            )
        except (ValidationFailed, Conflict) as exc:
            terms = await content.taxonomy.glossary_terms(view.principal)
            return view.render(
                "content/glossary.html",
                status_code=422,
                terms=terms,
                form=data,
                error=_problem(exc),
                **_labels(),
            )
        return flash_redirect(f"{BASE}/glossary", "Термин сохранён.")

    # --- collections ---------------------------------------------------------------

    @get("/collections")
    async def collections(
        self,
        view: NamedDependency[View],
        content: NamedDependency[ContentService],
        slug: Annotated[str | None, QueryParameter(name="slug", max_length=200)] = None,
    ) -> Template:
        form = CollectionForm(slug=slug or "")
        for found in await content.taxonomy.collections(view.principal):
            if found.slug == slug:
                form = CollectionForm(
                    slug=found.slug,
                    title=found.title,
                    description=found.description or "",
                    status=found.status,
                    items=[str(i) for i in found.item_ids],
                )
        return await self._collections(view, content, form)

    async def _collections(
        self,
        view: View,
        content: ContentService,
        form: CollectionForm,
        error: str | None = None,
        status: int = 200,
    ) -> Template:
        every = await content.editorial.list_items(view.principal, None, None, None, 200)
        # The collection's own items first, in its order; then the rest, newest first.
        order = {item_id: n for n, item_id in enumerate(form.item_list())}
        candidates = sorted(
            every.items, key=lambda i: (order.get(str(i.id), len(order)), i.status != "published")
        )
        return view.render(
            "content/collections.html",
            status_code=status,
            form=form,
            collections=await content.taxonomy.collections(view.principal),
            candidates=candidates,
            error=error,
            **_labels(),
        )

    @post("/collections", status_code=303)
    async def put_collection(
        self,
        view: NamedDependency[View],
        content: NamedDependency[ContentService],
        data: Form[CollectionForm],
    ) -> Template | Redirect:
        try:
            if data.status not in PUBLISH_STATUSES:
                raise ValidationFailed("Неизвестный статус", field="status")
            item_ids = tuple(uuid.UUID(i) for i in data.item_list())
            await content.taxonomy.put_collection(
                view.principal,
                data.slug.strip(),
                data.title.strip(),
                _text(_lines(data.description)),
                data.status,
                item_ids,
            )
        except ValueError:
            return await self._collections(view, content, data, "Неверный материал.", 422)
        except (ValidationFailed, Conflict) as exc:
            return await self._collections(view, content, data, _problem(exc), 422)
        return flash_redirect(f"{BASE}/collections", "Подборка сохранена.")

    # --- media ---------------------------------------------------------------------

    @get("/media")
    async def media(
        self, view: NamedDependency[View], content: NamedDependency[ContentService]
    ) -> Template:
        return await self._media(view, content, MediaForm())

    async def _media(
        self,
        view: View,
        content: ContentService,
        form: MediaForm,
        error: str | None = None,
        status: int = 200,
    ) -> Template:
        assets = await content.media.list_media(view.principal, None, PAGE_SIZE)
        return view.render(
            "content/media.html",
            status_code=status,
            assets=assets,
            form=form,
            error=error,
            **_labels(),
        )

    @post("/media", status_code=303)
    async def add_media(
        self,
        view: NamedDependency[View],
        content: NamedDependency[ContentService],
        data: Form[MediaForm],
    ) -> Template | Redirect:
        try:
            size = _number(data.size_bytes, "size_bytes")
            media = NewMedia(
                kind=data.kind,
                storage_key=data.storage_key.strip(),
                url=data.url.strip(),
                mime_type=data.mime_type.strip(),
                size_bytes=size if size is not None else -1,
                width=_number(data.width, "width"),
                height=_number(data.height, "height"),
                alt_text=_text(data.alt_text),
            )
            if not media.storage_key:
                raise ValidationFailed("Укажите ключ хранилища", field="storage_key")
            await content.media.add_media(view.principal, media)
        except (ValidationFailed, Conflict) as exc:
            return await self._media(view, content, data, _problem(exc), 422)
        return flash_redirect(f"{BASE}/media", "Файл добавлен в библиотеку.")

    # --- self-checks ---------------------------------------------------------------

    @get("/self-checks")
    async def self_checks(
        self, view: NamedDependency[View], interactives: NamedDependency[InteractiveService]
    ) -> Template:
        definitions = await interactives.definitions.definitions(view.principal)
        return view.render("content/self_checks.html", definitions=definitions, **_labels())

    @get("/self-checks/{definition_id:uuid}")
    async def self_check(
        self,
        definition_id: FromPath[uuid.UUID],
        view: NamedDependency[View],
        interactives: NamedDependency[InteractiveService],
        version_no: Annotated[int | None, QueryParameter(name="version", ge=1)] = None,
    ) -> Template:
        return await self._definition(view, interactives, definition_id, version_no)

    async def _definition(
        self,
        view: View,
        interactives: InteractiveService,
        definition_id: uuid.UUID,
        version_no: int | None = None,
        form: DefinitionForm | None = None,
        error: str | None = None,
        status: int = 200,
        new_config: str = "",
    ) -> Template:
        found = await interactives.definitions.definition(view.principal, definition_id)
        number = version_no or found.latest_version_no
        shown: DefinitionVersion | None = None
        if number:
            shown = await interactives.definitions.version(view.principal, definition_id, number)
        return view.render(
            "content/self_check.html",
            status_code=status,
            definition=found,
            form=form
            or DefinitionForm(
                title=found.title,
                description=found.description or "",
                topic_code=found.topic_code or "",
                version=str(found.version),
            ),
            shown=shown,
            shown_config=json.dumps(shown.config, ensure_ascii=False, indent=2) if shown else "",
            new_config=new_config,
            error=error,
            **_labels(),
        )

    @post("/self-checks/{definition_id:uuid}", status_code=303)
    async def save_self_check(
        self,
        definition_id: FromPath[uuid.UUID],
        view: NamedDependency[View],
        interactives: NamedDependency[InteractiveService],
        data: Form[DefinitionForm],
    ) -> Template | Redirect:
        version = _number(data.version, "version")
        try:
            await interactives.definitions.update(
                view.principal,
                definition_id,
                version if version is not None else -1,
                data.title.strip(),
                _text(data.description),
                _text(data.topic_code),
            )
        except VersionConflict:
            return await self._definition(
                view, interactives, definition_id, error=CONFLICT_SHORT, status=409
            )
        except ValidationFailed as exc:
            return await self._definition(
                view, interactives, definition_id, form=data, error=_problem(exc), status=422
            )
        return flash_redirect(f"{BASE}/self-checks/{definition_id}", "Самопроверка сохранена.")

    @post("/self-checks/{definition_id:uuid}/versions", status_code=303)
    async def add_self_check_version(
        self,
        definition_id: FromPath[uuid.UUID],
        view: NamedDependency[View],
        interactives: NamedDependency[InteractiveService],
        data: Form[ConfigForm],
    ) -> Template | Redirect:
        """A new version from its configuration (JSON, checked by the use case)."""
        try:
            try:
                config = json.loads(data.config)
            except ValueError:
                raise ValidationFailed("Нужен JSON", field="config") from None
            number = await interactives.definitions.add_version(
                view.principal, definition_id, config
            )
        except ValidationFailed as exc:
            return await self._definition(
                view, interactives, definition_id, error=_problem(exc), status=422,
                new_config=data.config,
            )  # fmt: skip
        return flash_redirect(
            f"{BASE}/self-checks/{definition_id}?version={number}", f"Версия {number} добавлена."
        )

    @post("/self-checks/{definition_id:uuid}/publish", status_code=303)
    async def publish_self_check(
        self,
        definition_id: FromPath[uuid.UUID],
        view: NamedDependency[View],
        interactives: NamedDependency[InteractiveService],
        data: Form[PublishForm],
    ) -> Redirect:
        number = _number(data.version_no, "version_no")
        if number is None or number < 1:
            raise ValidationFailed("Укажите номер версии", field="version_no")
        await interactives.definitions.publish(view.principal, definition_id, number)
        return flash_redirect(
            f"{BASE}/self-checks/{definition_id}?version={number}", f"Версия {number} опубликована."
        )
