"""The command-line context: settings, the client, the demo fallback, error handling."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import ConfigError

if TYPE_CHECKING:  # loaded by the methods that need them: `--help` and `--version` start without them
    from ..client import Client
    from ..config import Settings
    from ..history import History

__all__ = ["App", "pass_app"]


@dataclass
class App:
    """Shared state of one command invocation; builds the client lazily."""

    config_file: Path | None = None
    # What the command line gave, laid over the config file and the environment by load_settings
    # (None: not given; a nested mapping such as {"retry": {"attempts": 3}} merges into its table).
    overrides: dict[str, Any] = field(default_factory=dict)
    verbose: int = 0
    quiet: bool = False
    demo_dataset: str = "ut10"
    demo_asked: bool = False  # --demo was given on the command line
    base: str | None = None  # --base NAME (else ONEC_BASE, else the config file's default_base)
    _settings: Settings | None = None
    _client: Client | None = None
    _demo: Any = None
    _history: Any = None

    def settings(self) -> Settings:
        """The settings, loaded once on first use."""
        if self._settings is None:
            from ..config import load_settings

            self._settings = load_settings(self.config_file, overrides=self.overrides, base=self.base)
        return self._settings

    def server_tz(self) -> tzinfo | None:
        """The 1C server's time zone (``server_timezone``), for reading zone-aware dates; ``None`` unset."""
        name = self.settings().server_timezone
        if not name:
            return None
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)

    def ledger_location(self, given: Path | None) -> str | Path:
        """The ledger file: ``given``, else the default one; in memory for the built-in demo base,
        which is new on every run (a ledger on disk would only remember ghosts)."""
        from ..local.ledger import default_ledger_path

        return given or (":memory:" if self.using_demo() else default_ledger_path())

    def note(self, message: str) -> None:
        """A line for the person on stderr (never on stdout, which scripts read)."""
        if not self.quiet:
            click.echo(message, err=True)

    def using_demo(self) -> bool:
        return self.settings().url is None

    def base_label(self) -> str:
        """The base as a page's header names it: the demo dataset, or the URL without credentials."""
        url = self.settings().url
        if url is None:
            return f"демо {self.demo_dataset}"
        from ..transport import redact_url

        return redact_url(url)

    def client(self) -> Client:
        if self._client is not None:
            return self._client
        from ..client import Client
        from ..metadata_cache import MetadataCache
        from ..transport import Transport

        settings = self.settings()
        url = settings.url
        user = settings.user
        password = settings.password.get_secret_value() if settings.password else None
        cache: MetadataCache | None = MetadataCache(settings.cache_dir)
        if url is not None and self.demo_asked:
            where = "ONEC_URL or --url" if settings.source == "defaults" else f"config file {settings.source}"
            raise ConfigError(f"--demo {self.demo_dataset} asks for the built-in demo base, but a base is "
                              f"configured ({settings.url}, from {where})",
                              hint="Drop --demo to use that base, or unset ONEC_URL / drop --url for the demo.")
        if url is None and settings.base is not None:  # a named base never falls back to the demo
            raise ConfigError(f"The base {settings.base!r} has no url in the config file",
                              hint=f"Add url = \"https://…/odata/standard.odata/\" to [bases.{settings.base}].")
        if url is None:
            from ..demo.server import start_demo

            try:
                self._demo = start_demo(self.demo_dataset)
            except ValueError as exc:
                raise ConfigError(f"Cannot start the built-in demo base: {exc}",
                                  hint="Use --demo ut10 or --demo unf, or set ONEC_URL to a real base.") from None
            url, user, password, cache = self._demo.url, None, None, None
            self.note(
                f"No base configured (ONEC_URL or --url): using the built-in demo base "
                f"'{self.demo_dataset}' at {url}; it lives only while this command runs, so anything written "
                "to it is gone afterwards ('onec-history demo serve' keeps one running)"
            )
        transport = Transport(
            url,
            user=user,
            password=password,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            retry=settings.retry,
            verify=settings.verify_tls,
            max_answer_mb=settings.max_answer_mb,
        )
        self._client = Client(
            transport,
            page_size=settings.page_size,
            metadata_cache=cache,
            metadata_ttl=settings.metadata_ttl,
            lengths=settings.lengths,
            allowed_only=settings.allowed_only,
        )
        return self._client

    def history(self) -> History:
        if self._history is None:
            from ..history import History

            # The built-in demo base gets a new port every run: its identity is the dataset's name.
            key = f"demo:{self.demo_dataset}" if self.using_demo() else None
            self._history = History(self.client(), profile_overrides=self.settings().profile, key=key)
        return self._history  # type: ignore[no-any-return]

    def links(self) -> Any:
        """The config file's ``[profile] links`` table (chains and the mirror read it; the profile
        itself ignores it): the one place it is taken from the settings."""
        return self.settings().profile.get("links")

    def close(self) -> None:
        if self._client is not None:
            self._client.transport.close()
        if self._demo is not None:
            self._demo.stop()


pass_app = click.make_pass_decorator(App)


def setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler()
    # Without -v only warnings get through, worded for the person ("warning: …", like the
    # commands' own notes); with -v the logger's name says where each line comes from.
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s") if verbose else _ForPeople())
    logging.basicConfig(level=level, handlers=[handler])
    # requests' urllib3 logs every connection and request again at DEBUG: -vv shows ours once; -vvv adds it.
    logging.getLogger("urllib3").setLevel(logging.DEBUG if verbose >= 3 else logging.WARNING)


class _ForPeople(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"

