"""Every model module, imported so that ``db.metadata`` (and Alembic) sees all tables.

Each area adds one import line here when it gains a ``models.py``.
"""

from course import periodic  # noqa: F401  (periodic_runs: one run per period)
from course.accounts import models as accounts_models  # noqa: F401
from course.audit import models as audit_models  # noqa: F401
from course.authoring import models as authoring_models  # noqa: F401
from course.cases import models as cases_models  # noqa: F401
from course.catalog import models as catalog_models  # noqa: F401
from course.catalog import search as catalog_search  # noqa: F401  (the FTS index DDL hooks)
from course.certificates import models as certificates_models  # noqa: F401
from course.notifications import models as notifications_models  # noqa: F401
from course.orgs import models as orgs_models  # noqa: F401
from course.progress import models as progress_models  # noqa: F401
from course.quizzes import models as quizzes_models  # noqa: F401
