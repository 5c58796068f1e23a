"""The few SLiMS 9 ("Bulian") tables Pindai reads and writes, declared with
SQLAlchemy Core as SLiMS's ``install/senayan.sql`` creates them (only the
columns Pindai uses), and the engine that reaches a SLiMS database.

SLiMS is the system of record: Pindai never creates or alters these tables."""
from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    create_engine,
)
from sqlalchemy.engine import Engine, make_url

metadata = MetaData()


def _table(name: str, *columns: Column) -> Table:
    return Table(name, metadata, *columns)


biblio = _table(
    "biblio",
    Column("biblio_id", Integer, primary_key=True),
    Column("gmd_id", Integer),
    Column("title", Text),
    Column("edition", String(50)),
    Column("isbn_issn", String(32)),
    Column("publisher_id", Integer),
    Column("publish_year", String(20)),
    Column("call_number", String(50)),
    Column("language_id", String(5)),
    Column("classification", String(40)),
    Column("notes", Text),
    Column("image", String(100)),
    Column("opac_hide", SmallInteger),
)
mst_publisher = _table("mst_publisher", Column("publisher_id", Integer, primary_key=True),
                       Column("publisher_name", String(100)))
mst_author = _table("mst_author", Column("author_id", Integer, primary_key=True), Column("author_name", String(100)))
biblio_author = _table("biblio_author", Column("biblio_id", Integer, primary_key=True),
                       Column("author_id", Integer, primary_key=True), Column("level", Integer))
mst_topic = _table("mst_topic", Column("topic_id", Integer, primary_key=True), Column("topic", String(50)))
biblio_topic = _table("biblio_topic", Column("biblio_id", Integer, primary_key=True),
                      Column("topic_id", Integer, primary_key=True), Column("level", Integer))

item = _table(
    "item",
    Column("item_id", Integer, primary_key=True),
    Column("biblio_id", Integer),
    Column("call_number", String(50)),
    Column("coll_type_id", Integer),
    Column("item_code", String(20)),
    Column("location_id", String(3)),
    Column("item_status_id", String(3)),
    Column("site", String(50)),
)
mst_location = _table("mst_location", Column("location_id", String(3), primary_key=True),
                      Column("location_name", String(100)))
mst_item_status = _table(
    "mst_item_status",
    Column("item_status_id", String(3), primary_key=True),
    Column("item_status_name", String(30)),
    Column("no_loan", SmallInteger),
    Column("skip_stock_take", SmallInteger),
)

member = _table(
    "member",
    Column("member_id", String(20), primary_key=True),
    Column("member_name", String(100)),
    Column("member_type_id", Integer),
    Column("member_email", String(100)),
    Column("member_phone", String(50)),
    Column("expire_date", Date),
    Column("is_pending", SmallInteger),
    Column("mpasswd", String(64)),
)
mst_member_type = _table(
    "mst_member_type",
    Column("member_type_id", Integer, primary_key=True),
    Column("member_type_name", String(50)),
    Column("loan_limit", Integer),
    Column("loan_periode", Integer),
    Column("reborrow_limit", Integer),
    Column("fine_each_day", Integer),
    Column("grace_periode", Integer),
)
mst_loan_rules = _table(
    "mst_loan_rules",
    Column("loan_rules_id", Integer, primary_key=True),
    Column("member_type_id", Integer),
    Column("coll_type_id", Integer),
    Column("gmd_id", Integer),
    Column("loan_limit", Integer),
    Column("loan_periode", Integer),
    Column("reborrow_limit", Integer),
    Column("fine_each_day", Integer),
    Column("grace_periode", Integer),
)

loan = _table(
    "loan",
    Column("loan_id", Integer, primary_key=True, autoincrement=True),
    Column("item_code", String(20)),
    Column("member_id", String(20)),
    Column("loan_date", Date),
    Column("due_date", Date),
    Column("renewed", Integer),
    Column("loan_rules_id", Integer),
    Column("is_lent", Integer),
    Column("is_return", Integer),
    Column("return_date", Date),
    Column("input_date", DateTime),
    Column("last_update", DateTime),
    Column("uid", Integer),
)
loan_history = _table(
    "loan_history",
    Column("loan_id", Integer, primary_key=True, autoincrement=False),
    Column("item_code", String(20)),
    Column("biblio_id", Integer),
    Column("title", String(300)),
    Column("member_id", String(20)),
    Column("member_name", String(100)),
    Column("loan_date", Date),
    Column("due_date", Date),
    Column("renewed", Integer),
    Column("is_lent", Integer),
    Column("is_return", Integer),
    Column("return_date", Date),
    Column("input_date", DateTime),
    Column("last_update", DateTime),
)
fines = _table(
    "fines",
    Column("fines_id", Integer, primary_key=True, autoincrement=True),
    Column("fines_date", Date),
    Column("member_id", String(20)),
    Column("debet", Integer),
    Column("credit", Integer),
    Column("description", String(255)),
)
holiday = _table(
    "holiday",
    Column("holiday_id", Integer, primary_key=True),
    Column("holiday_dayname", String(20)),
    Column("holiday_date", Date),
    Column("description", String(100)),
)
reserve = _table(
    "reserve",
    Column("reserve_id", Integer, primary_key=True),
    Column("member_id", String(20)),
    Column("biblio_id", Integer),
    Column("item_code", String(20)),
    Column("reserve_date", DateTime),
)
setting = _table("setting", Column("setting_id", Integer, primary_key=True), Column("setting_name", String(30)),
                 Column("setting_value", Text))


def make_slims_engine(url: str) -> Engine:
    """An engine on a SLiMS database. ``mysql://`` URLs get the pure-Python
    PyMySQL driver; every connection speaks utf8mb4 (Indonesian names with
    any character) and gives up quickly when the server is away, so a kiosk
    hears "the library system cannot be reached" rather than hanging."""
    parsed = make_url(url)
    if parsed.drivername in ("mysql", "mariadb"):
        parsed = parsed.set(drivername=f"{parsed.drivername}+pymysql")
    if "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return create_engine(parsed, pool_pre_ping=True, pool_recycle=1800,
                         connect_args={"connect_timeout": 5, "read_timeout": 15, "write_timeout": 15})
