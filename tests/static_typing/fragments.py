"""Acceptance of issue 16: `def f(x: Fragment)` takes every row that spreads Fragment.

Written by tests/test_typing.py (fragments_source), checked by `make typecheck`; the test
fails when queries/ spread a fragment somewhere this file does not call it with.
"""

from __future__ import annotations

from dxtra_typed.types import (
    ConsentFormValuesDataSubjectConsentFormValues,
    ConsentValue,
    ConsentValuesLiveDataSubjectConsentFormValues,
    ConsentValuesStreamDataSubjectConsentFormValuesStream,
    DataControllerDataController,
    DataControllersDataControllers,
    DataControllerSummary,
    DataSubjectDataSubject,
    DataSubjectDataSubjectDataController,
    DataSubjectRecord,
    DataSubjectsDataSubjects,
    DataSubjectsLiveDataSubjects,
    DataSubjectsPageDataSubjects,
    DataSubjectsStreamDataSubjectsStream,
    DataSubjectSummary,
    InsertRightsRequestInsertDataSubjectsRightsRequest,
    ProcessingActivitiesDataProcessingActivities,
    PublicDataController,
    PublicDataControllersDataControllers,
    RightsRequestFields,
    RightsRequestsDataSubjectsRightsRequests,
    RightsRequestsLiveDataSubjectsRightsRequests,
    RightsRequestsPageDataSubjectsRightsRequests,
    RightsRequestsStreamDataSubjectsRightsRequestsStream,
    UpdateConsentValueUpdateDataSubjectConsentFormValue,
    UpdateRightsRequestStatusUpdateDataSubjectsRightsRequest,
)


def use_ConsentValue(x: ConsentValue) -> None: ...


def use_DataControllerSummary(x: DataControllerSummary) -> None: ...


def use_DataSubjectRecord(x: DataSubjectRecord) -> None: ...


def use_DataSubjectSummary(x: DataSubjectSummary) -> None: ...


def use_PublicDataController(x: PublicDataController) -> None: ...


def use_RightsRequestFields(x: RightsRequestFields) -> None: ...


def check(
    r0: ConsentFormValuesDataSubjectConsentFormValues,
    r1: ConsentValuesLiveDataSubjectConsentFormValues,
    r2: ConsentValuesStreamDataSubjectConsentFormValuesStream,
    r3: DataControllerDataController,
    r4: DataControllerSummary,
    r5: DataControllersDataControllers,
    r6: DataSubjectDataSubject,
    r7: DataSubjectDataSubjectDataController,
    r8: DataSubjectsDataSubjects,
    r9: DataSubjectsLiveDataSubjects,
    r10: DataSubjectsPageDataSubjects,
    r11: DataSubjectsStreamDataSubjectsStream,
    r12: InsertRightsRequestInsertDataSubjectsRightsRequest,
    r13: PublicDataControllersDataControllers,
    r14: RightsRequestsDataSubjectsRightsRequests,
    r15: RightsRequestsLiveDataSubjectsRightsRequests,
    r16: RightsRequestsPageDataSubjectsRightsRequests,
    r17: RightsRequestsStreamDataSubjectsRightsRequestsStream,
    r18: UpdateConsentValueUpdateDataSubjectConsentFormValue,
    r19: UpdateRightsRequestStatusUpdateDataSubjectsRightsRequest,
    other: ProcessingActivitiesDataProcessingActivities,
) -> None:
    use_ConsentValue(r0)
    use_ConsentValue(r1)
    use_ConsentValue(r2)
    use_ConsentValue(r18)
    use_DataControllerSummary(r3)
    use_DataControllerSummary(r5)
    use_DataSubjectRecord(r9)
    use_DataSubjectRecord(r11)
    use_DataSubjectSummary(r6)
    use_DataSubjectSummary(r8)
    use_DataSubjectSummary(r10)
    use_PublicDataController(r3)
    use_PublicDataController(r4)
    use_PublicDataController(r5)
    use_PublicDataController(r7)
    use_PublicDataController(r13)
    use_RightsRequestFields(r12)
    use_RightsRequestFields(r14)
    use_RightsRequestFields(r15)
    use_RightsRequestFields(r16)
    use_RightsRequestFields(r17)
    use_RightsRequestFields(r19)
    use_DataControllerSummary(other)  # type: ignore[arg-type]
