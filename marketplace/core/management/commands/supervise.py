"""`make run`'s processes: every line of the Procfile under supervisord, in the
foreground, each line of output prefixed with its process's name.

supervisord (not honcho) because a crashed process must come back on its own: honcho
stops everything when one process dies, so a killed Celery worker left deadlines
waiting for a human. supervisord restarts each program that exits (a crash, a
`kill -9`), and on Ctrl-C or SIGTERM stops them all and exits 0. The Procfile stays
the one list of processes (`name: command`, shell syntax): add a line there."""

import getpass
import os
import shlex
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def read_procfile(path: Path) -> list[tuple[str, str]]:
    processes = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip().isidentifier():
            raise CommandError(f"{path}: not a `name: command` line: {line!r}")
        processes.append((name.strip(), command.strip()))
    return processes


def supervisord_conf(processes: list[tuple[str, str]], var_dir: Path, cwd: Path) -> str:
    width = max(len(name) for name, _ in processes)
    user = getpass.getuser()
    lines = [
        "[supervisord]",
        "nodaemon=true",
        # its own messages (a crash, a restart) go to the console with the processes'
        "logfile=/dev/null",
        "logfile_maxbytes=0",
        "loglevel=warn",
        f"pidfile={var_dir / 'supervisord.pid'}",
        # as root, name the user: supervisord warns otherwise that it did not drop privileges
        *([f"user={user}"] if os.getuid() == 0 else []),
        "",
    ]
    for name, command in processes:
        label = f"{name:<{width}} | "
        # sed -u prefixes and flushes each line. The shell outlives a SIGTERM (a trap,
        # unlike an ignored signal, is not inherited) until its pipeline ends, so
        # supervisord waits for the command and kills the whole group if it lingers.
        script = f"trap : TERM INT; {command} 2>&1 | sed -u 's/^/{label}/'"
        lines += [
            f"[program:{name}]",
            f"command=sh -c {shlex.quote(script)}".replace("%", "%%"),
            f"directory={cwd}",
            "autorestart=true",
            "startsecs=2",
            "startretries=5",
            "stopasgroup=true",
            "killasgroup=true",
            "stopwaitsecs=5",
            "stdout_logfile=/dev/fd/1",
            "stdout_logfile_maxbytes=0",
            "redirect_stderr=true",
            "",
        ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Run the Procfile's processes under supervisord; a process that exits restarts."

    def add_arguments(self, parser):
        parser.add_argument("--procfile", default="Procfile")

    def handle(self, *args, procfile, **options):
        processes = read_procfile(Path(procfile))
        var_dir = Path(settings.VAR_DIR).resolve()
        var_dir.mkdir(parents=True, exist_ok=True)
        conf = var_dir / "supervisord.conf"
        conf.write_text(supervisord_conf(processes, var_dir, Path.cwd()))
        supervisord = str(Path(sys.executable).with_name("supervisord"))
        sys.stdout.flush()
        os.execv(supervisord, [supervisord, "-c", str(conf)])
