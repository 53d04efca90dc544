"""What the source role may do, and the run's refusal of a role that can write.

The read-only session and the guard are two walls; the role is the third, and the only one
that holds when the other two miss something (a function that writes, an extension's side
effect). So a run refuses a source whose role can write or is a superuser, unless the user says
`--allow-privileged-source` (`[source] allow_privileged = true`) knowingly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tools.errors import ConfigError


@dataclass(frozen=True)
class RolePrivileges:
    """What one connection's role may do on its database (adapter.privileges())."""

    role: str
    superuser: bool = False
    writes: tuple[str, ...] = ()
    """Write privileges held ('INSERT on public.accounts', 'CREATE on schema public', …)."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Other powers worth knowing (replication, reading server files, creating roles)."""

    @property
    def privileged(self) -> bool:
        return self.superuser or bool(self.writes)

    def describe(self) -> str:
        """One line for `cutover check` and the refusal."""
        if self.superuser:
            return f"role {self.role!r} is a superuser"
        parts = []
        if self.writes:
            shown = ", ".join(self.writes[:4])
            more = f" (+{len(self.writes) - 4} more)" if len(self.writes) > 4 else ""
            parts.append(f"can write: {shown}{more}")
        parts.extend(self.notes)
        return f"role {self.role!r} " + ("; ".join(parts) if parts else "can only read")


def refuse_privileged(privileges: RolePrivileges, where: str) -> None:
    """Raise ConfigError when a source role could change the source."""
    if privileges.privileged:
        raise ConfigError(
            f"source {where}: {privileges.describe()}. Cutover never writes the source, but a "
            f"role that can is one safety layer fewer: connect as a read-only role (GRANT "
            f"SELECT only), or pass --allow-privileged-source ([source] allow_privileged = "
            f"true) to accept the risk")
