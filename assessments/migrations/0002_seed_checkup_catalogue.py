"""Seed the check-up catalogue (PRODUCT step 3; LOINC codes of RULES.md §5.1 where they exist)."""

from django.db import migrations

# code, English, Chinese, category, LOINC, engine observation kinds, restricted
ITEMS = [
    ("vitals", "Vital signs and body measurements", "一般检查（身高、体重、腰围、血压、心率）",
     "vitals", "85353-1", ["height", "weight", "waist", "sbp", "dbp", "heart_rate"], False),
    ("blood_routine", "Complete blood count", "血常规", "blood", "58410-2",
     ["haemoglobin", "platelets"], False),
    ("fasting_glucose", "Fasting plasma glucose", "空腹血糖", "blood", "14771-0",
     ["fasting_glucose"], False),
    ("hba1c", "Glycated haemoglobin (HbA1c)", "糖化血红蛋白", "blood", "4548-4", ["hba1c"], False),
    ("lipid_panel", "Lipid panel", "血脂四项", "blood", "57698-3",
     ["total_cholesterol", "ldl_c", "hdl_c", "triglycerides"], False),
    ("kidney_function", "Kidney function (creatinine, uric acid, eGFR)", "肾功能", "blood",
     "24362-6", ["creatinine", "uric_acid", "egfr"], False),
    ("electrolytes", "Electrolytes (potassium, sodium)", "电解质", "blood", "24326-1",
     ["potassium", "sodium"], False),
    ("liver_function", "Liver function", "肝功能", "blood", "24325-3", [], False),
    ("urinalysis", "Urinalysis", "尿常规", "urine", "24356-8", [], False),
    ("ecg", "Electrocardiogram (ECG)", "心电图", "imaging", "11524-6", [], False),
    ("chest_xray", "Chest X-ray", "胸部X线", "imaging", "36643-5", [], False),
    ("abdominal_ultrasound", "Abdominal ultrasound", "腹部超声", "imaging", "", [], False),
    ("cancer_screening", "Cancer screening (tumour markers)", "肿瘤筛查（肿瘤标志物）",
     "screening", "", [], False),
    ("diabetes_screening", "Diabetes screening (glucose and HbA1c)", "糖尿病筛查", "screening",
     "", ["fasting_glucose", "hba1c"], False),
    ("cardio_screening", "Cardio-cerebrovascular screening (carotid ultrasound, lipids)",
     "心脑血管疾病筛查", "screening", "", ["total_cholesterol", "ldl_c"], False),
    ("phq9", "PHQ-9 depression questionnaire", "PHQ-9 抑郁量表", "mental", "44249-1", [], True),
    ("gad7", "GAD-7 anxiety questionnaire", "GAD-7 焦虑量表", "mental", "69737-5", [], True),
]


def seed(apps, schema_editor):
    CheckupItem = apps.get_model("assessments", "CheckupItem")
    for order, (code, en, zh, category, loinc, kinds, restricted) in enumerate(ITEMS):
        CheckupItem.objects.update_or_create(
            code=code,
            defaults={
                "name_en": en, "name_zh": zh, "category": category, "loinc_code": loinc,
                "kinds": kinds, "is_restricted": restricted, "sort_order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_create_cases_referrals_and_results")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop, elidable=True)]
