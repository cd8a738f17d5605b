"""Catalog rows of a synthetic base: staff, states, currency, goods, counterparties in folders, contacts."""

from __future__ import annotations

from collections.abc import Iterator

from onec_history.demo.generator_state import EVENT_STATES, GeneratorState, Rows
from onec_history.demo.rows import GOODS, MANAGERS, ROMASHKA, ROMASHKA_INN, company_name, inn
from onec_history.demo.schema import EMPTY_REF

_PARTNER_FOLDERS = ("Покупатели", "Поставщики", "Москва")


class CatalogRows(GeneratorState):
    """(set, rows) of every catalog, in the order they are written; rows are produced as they are read."""

    def catalogs(self) -> Iterator[tuple[str, Rows]]:
        yield self.staff_set, self._staff()
        if not self.a:
            yield "Catalog_Пользователи", self._users()
            yield "Catalog_СостоянияСобытий", self._event_states()
        yield "Catalog_Валюты", self._currencies()
        yield "Catalog_Номенклатура", self._goods()
        yield "Catalog_Контрагенты", self.counterparties()
        yield self.contacts_set, self._contacts()
        yield "Catalog_ВидыКонтактнойИнформации", self._contact_kinds()
        yield ("InformationRegister_КонтактнаяИнформация" if self.a else "Catalog_Контрагенты_КонтактнаяИнформация",
               self._contact_information())

    def _contact_kinds(self) -> Rows:
        return (
            {"Ref_Key": self.ids("Catalog_ВидыКонтактнойИнформации", i), "DataVersion": self.dv(),
             "Description": name, "Тип": typ}
            for i, (name, typ) in enumerate((("Телефон рабочий", "Телефон"), ("E-mail", "АдресЭлектроннойПочты")))
        )

    def _contact_information(self) -> Rows:
        """A work phone for every partner (all different: +7 (9xx) xxx-xx-xx from the index; Ромашка
        +7 (495) 123-45-67) and an e-mail for every other one; family A's register or family B's section."""
        kinds = self.ids("Catalog_ВидыКонтактнойИнформации", 0), self.ids("Catalog_ВидыКонтактнойИнформации", 1)
        for p in range(self.partners):
            owner = self.ids("Catalog_Контрагенты", p + 3)
            d = f"9{p:09d}"
            phone = "+7 (495) 123-45-67" if p == 0 else f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}"
            items = [("Телефон", kinds[0], phone)]
            if p % 2 == 0:
                items.append(("АдресЭлектроннойПочты", kinds[1], f"client{p}@example.ru"))
            for line, (typ, kind, text) in enumerate(items, 1):
                if self.a:
                    yield {"Объект": owner, "Объект_Type": "StandardODATA.Catalog_Контрагенты", "Тип": typ,
                           "Вид_Key": kind, "Представление": text}
                else:
                    yield {"Ref_Key": owner, "LineNumber": line, "Тип": typ, "Вид_Key": kind, "Представление": text}

    def _staff(self) -> Rows:
        return (
            {
                "Ref_Key": self.ids(self.staff_set, i),
                "DataVersion": self.dv(),
                "Code": f"{i + 1:09d}",
                "Description": name,
            }
            for i, name in enumerate(MANAGERS)
        )

    def _users(self) -> Rows:
        """Family B only: the one user that authors events (staff are a catalog of their own there)."""
        return iter(
            [
                {
                    "Ref_Key": self.ids("Catalog_Пользователи", 0),
                    "DataVersion": self.dv(),
                    "Description": "Администратор",
                }
            ]
        )

    def _event_states(self) -> Rows:
        """Family B only: the predefined event states."""
        return (
            {
                "Ref_Key": self.ids("Catalog_СостоянияСобытий", i),
                "DataVersion": self.dv(),
                "Description": name,
                "Predefined": 1,
                "PredefinedDataName": name,
                "РеквизитДопУпорядочивания": i + 1,
            }
            for i, name in enumerate(EVENT_STATES)
        )

    def _currencies(self) -> Rows:
        return iter(
            [{"Ref_Key": self.ids("Catalog_Валюты", 0), "DataVersion": self.dv(), "Code": "643", "Description": "руб."}]
        )

    def _goods(self) -> Rows:
        return (
            {
                "Ref_Key": self.ids("Catalog_Номенклатура", i),
                "DataVersion": self.dv(),
                "Code": f"{i + 1:011d}",
                "Description": name,
                "Артикул": article or "",
                "IsFolder": int(article is None),
            }
            for i, (name, article, _price) in enumerate(GOODS)
        )

    def counterparties(self) -> Rows:
        """Three folders (Москва inside Покупатели), then the partners; Ромашка is always the first."""
        yield from self._counterparty_folders()
        ids, set_name = self.ids, "Catalog_Контрагенты"
        manager = "ОсновнойМенеджерПокупателя_Key" if self.a else "Ответственный_Key"
        for p in range(self.partners):
            name, tax_id = (ROMASHKA, ROMASHKA_INN) if p == 0 else (company_name(p), inn(p))
            yield {
                "Ref_Key": ids(set_name, p + 3),
                "DataVersion": self.dv(),
                "Code": f"{p + 4:09d}",
                "Description": name,
                "НаименованиеПолное": name,
                "ИНН": tax_id,
                "КПП": tax_id[:4] + "01001",
                "Parent_Key": ids(set_name, (0, 1, 2)[p % 3]),
                "Покупатель": int(p % 3 != 1),
                "Поставщик": int(p % 3 == 1),
                manager: ids(self.staff_set, p % len(MANAGERS)),
                ("ЮрФизЛицо" if self.a else "ЮридическоеФизическоеЛицо"): "ЮрЛицо" if self.a else "ЮридическоеЛицо",
            }

    def _counterparty_folders(self) -> Rows:
        ids, set_name = self.ids, "Catalog_Контрагенты"
        for i, name in enumerate(_PARTNER_FOLDERS):
            yield {
                "Ref_Key": ids(set_name, i),
                "DataVersion": self.dv(),
                "Code": f"{i + 1:09d}",
                "Description": name,
                "IsFolder": 1,
                "Parent_Key": ids(set_name, 0) if i == 2 else EMPTY_REF,
            }

    def _contacts(self) -> Rows:
        """One contact per partner; family A links it to its owner."""
        contacts = self.contacts_set
        return (
            {
                "Ref_Key": self.ids(contacts, i),
                "DataVersion": self.dv(),
                "Code": f"{i + 1:09d}",
                "Description": f"Контакт {i + 1}",
                **({"Owner_Key": self.ids("Catalog_Контрагенты", i + 3)} if self.a else {}),
            }
            for i in range(self.partners)
        )
