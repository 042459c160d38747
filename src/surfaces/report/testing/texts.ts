/**
 * Fictional case reports for fixtures, in English, Spanish, French and Portuguese: a handful of
 * clinical situations written for clinsum's tests (no real patient, no text from a data set).
 * A case is a set of indexes into aligned lists, so the same case reads the same in every language.
 */
import type { Lang } from '../../../data/lang.js';
import type { Prng } from '../../../util/prng.js';

export interface CaseFacts {
  age: number;
  female: boolean;
  days: number;
  crp: number;
  /** Index into the aligned lists (symptom, finding, diagnosis, treatment) of one situation. */
  situation: number;
  history: number;
  outcome: number;
}

interface Vocabulary {
  person(age: number, female: boolean): string;
  symptoms: readonly string[];
  findings: readonly string[];
  diagnoses: readonly string[];
  treatments: readonly string[];
  outcomes: readonly string[];
  histories: readonly string[];
  /** Sentences a model adds that no reference has. */
  fillers: readonly string[];
  report(f: Filled): string;
  summary(f: Filled): string;
  paraphrase(f: Filled): string;
  keyinfo(f: Filled): string;
}

/** A case with its words chosen (possibly wrong ones, for predictions). */
export interface Filled {
  person: string;
  age: number;
  days: number;
  crp: number;
  symptom: string;
  finding: string;
  diagnosis: string;
  treatment: string;
  outcome: string;
  history: string;
}

const VOCABULARY: Readonly<Record<Lang, Vocabulary>> = {
  en: {
    person: (age, female) => `A ${age}-year-old ${female ? 'woman' : 'man'}`,
    symptoms: ['fever and productive cough', 'acute abdominal pain', 'progressive dyspnoea', 'painless jaundice', 'severe headache', 'swelling of the left leg'],
    findings: [
      'crackles were heard at the right lung base',
      'there was tenderness in the right iliac fossa',
      'the heart rate was 118 beats per minute',
      'the sclerae were icteric',
      'there was neck stiffness',
      'the left calf was warm and swollen',
    ],
    diagnoses: ['community-acquired pneumonia', 'acute appendicitis', 'pulmonary embolism', 'choledocholithiasis', 'bacterial meningitis', 'deep vein thrombosis'],
    treatments: ['intravenous amoxicillin', 'laparoscopic appendectomy', 'low-molecular-weight heparin', 'endoscopic stone extraction', 'ceftriaxone and dexamethasone', 'oral anticoagulation'],
    outcomes: ['recovered fully', 'was discharged on day three', 'improved within a week', 'remained well at follow-up', 'recovered without sequelae', 'was asymptomatic at six months'],
    histories: ['The medical history included type 2 diabetes.', 'There was no relevant medical history.', 'The medical history included arterial hypertension.', 'The patient was an active smoker.'],
    fillers: ['No complications were reported.', 'The patient was followed up in the outpatient clinic.', 'This case highlights the importance of early diagnosis.', 'Further investigations were unremarkable.'],
    report: (f) =>
      `${f.person} presented to the emergency department with ${f.symptom} of ${f.days} days' duration. ${f.history} On examination, ${f.finding}. ` +
      `Laboratory tests showed a C-reactive protein of ${f.crp} mg/L.\nA diagnosis of ${f.diagnosis} was made. The patient was treated with ${f.treatment} and ${f.outcome}. ` +
      'Written informed consent was obtained for publication.',
    summary: (f) => `${f.person} with ${f.symptom} was diagnosed with ${f.diagnosis}.\nThe patient was treated with ${f.treatment} and ${f.outcome}.`,
    paraphrase: (f) => `${f.person} presented with ${f.symptom}.\nThe diagnosis was ${f.diagnosis}.\nAfter ${f.treatment}, the patient ${f.outcome}.`,
    keyinfo: (f) =>
      `- Patient: ${f.person}\n- Presenting complaint: ${f.symptom} for ${f.days} days\n- Examination: ${f.finding}\n- C-reactive protein: ${f.crp} mg/L\n` +
      `- Diagnosis: ${f.diagnosis}\n- Treatment: ${f.treatment}\n- Outcome: ${f.outcome}`,
  },
  es: {
    person: (age, female) => `${female ? 'Mujer' : 'Varón'} de ${age} años`,
    symptoms: ['fiebre y tos productiva', 'dolor abdominal agudo', 'disnea progresiva', 'ictericia indolora', 'cefalea intensa', 'edema de la pierna izquierda'],
    findings: [
      'se auscultaban crepitantes en la base pulmonar derecha',
      'había dolor en la fosa ilíaca derecha',
      'la frecuencia cardiaca era de 118 latidos por minuto',
      'las escleras estaban ictéricas',
      'había rigidez de nuca',
      'la pantorrilla izquierda estaba caliente y tumefacta',
    ],
    diagnoses: ['neumonía adquirida en la comunidad', 'apendicitis aguda', 'tromboembolismo pulmonar', 'coledocolitiasis', 'meningitis bacteriana', 'trombosis venosa profunda'],
    treatments: ['amoxicilina intravenosa', 'apendicectomía laparoscópica', 'heparina de bajo peso molecular', 'extracción endoscópica de los cálculos', 'ceftriaxona y dexametasona', 'anticoagulación oral'],
    outcomes: ['se recuperó por completo', 'recibió el alta al tercer día', 'mejoró en una semana', 'seguía bien en el seguimiento', 'se recuperó sin secuelas', 'estaba asintomático a los seis meses'],
    histories: ['Entre sus antecedentes destacaba una diabetes tipo 2.', 'No tenía antecedentes de interés.', 'Entre sus antecedentes destacaba una hipertensión arterial.', 'Refería tabaquismo activo.'],
    fillers: ['No se describieron complicaciones.', 'El paciente fue seguido en consultas externas.', 'Este caso subraya la importancia del diagnóstico precoz.', 'El resto del estudio fue normal.'],
    report: (f) =>
      `${f.person} que consultó en urgencias por ${f.symptom} de ${f.days} días de evolución. ${f.history} A la exploración, ${f.finding}. ` +
      `La analítica mostró una proteína C reactiva de ${f.crp} mg/L.\nSe diagnosticó ${f.diagnosis}. Se trató con ${f.treatment} y ${f.outcome}. ` +
      'Se obtuvo el consentimiento informado para la publicación.',
    summary: (f) => `${f.person} con ${f.symptom}, diagnosticado de ${f.diagnosis}.\nSe trató con ${f.treatment} y ${f.outcome}.`,
    paraphrase: (f) => `${f.person} que consultó por ${f.symptom}.\nEl diagnóstico fue ${f.diagnosis}.\nTras ${f.treatment}, ${f.outcome}.`,
    keyinfo: (f) =>
      `- Paciente: ${f.person}\n- Motivo de consulta: ${f.symptom} de ${f.days} días\n- Exploración: ${f.finding}\n- Proteína C reactiva: ${f.crp} mg/L\n` +
      `- Diagnóstico: ${f.diagnosis}\n- Tratamiento: ${f.treatment}\n- Evolución: ${f.outcome}`,
  },
  fr: {
    person: (age, female) => `${female ? 'Une femme' : 'Un homme'} de ${age} ans`,
    symptoms: ['une fièvre avec toux productive', 'une douleur abdominale aiguë', 'une dyspnée progressive', 'un ictère indolore', 'une céphalée intense', 'un œdème de la jambe gauche'],
    findings: [
      'des crépitants étaient audibles à la base pulmonaire droite',
      'la fosse iliaque droite était douloureuse',
      'la fréquence cardiaque était de 118 battements par minute',
      'les sclères étaient ictériques',
      'il existait une raideur de nuque',
      'le mollet gauche était chaud et tuméfié',
    ],
    diagnoses: ['pneumonie communautaire', 'appendicite aiguë', 'embolie pulmonaire', 'lithiase de la voie biliaire principale', 'méningite bactérienne', 'thrombose veineuse profonde'],
    treatments: ['amoxicilline intraveineuse', 'appendicectomie cœlioscopique', 'héparine de bas poids moléculaire', 'extraction endoscopique des calculs', 'ceftriaxone et dexaméthasone', 'anticoagulation orale'],
    outcomes: ['a guéri complètement', 'est sorti au troisième jour', "s'est amélioré en une semaine", 'allait bien au suivi', 'a guéri sans séquelles', 'était asymptomatique à six mois'],
    histories: ['Ses antécédents comprenaient un diabète de type 2.', "Il n'y avait pas d'antécédent notable.", 'Ses antécédents comprenaient une hypertension artérielle.', 'Un tabagisme actif était signalé.'],
    fillers: ["Aucune complication n'a été rapportée.", 'Le patient a été suivi en consultation externe.', "Ce cas souligne l'importance d'un diagnostic précoce.", 'Le reste du bilan était normal.'],
    report: (f) =>
      `${f.person} a consulté aux urgences pour ${f.symptom} évoluant depuis ${f.days} jours. ${f.history} À l'examen, ${f.finding}. ` +
      `Le bilan biologique montrait une protéine C réactive à ${f.crp} mg/L.\nLe diagnostic de ${f.diagnosis} a été retenu. Le traitement a reposé sur ${f.treatment} et le patient ${f.outcome}. ` +
      'Le consentement éclairé a été obtenu pour la publication.',
    summary: (f) => `${f.person} présentant ${f.symptom}, avec un diagnostic de ${f.diagnosis}.\nTraitement par ${f.treatment} ; le patient ${f.outcome}.`,
    paraphrase: (f) => `${f.person} a consulté pour ${f.symptom}.\nLe diagnostic était ${f.diagnosis}.\nAprès ${f.treatment}, le patient ${f.outcome}.`,
    keyinfo: (f) =>
      `- Patient : ${f.person}\n- Motif de consultation : ${f.symptom} depuis ${f.days} jours\n- Examen : ${f.finding}\n- Protéine C réactive : ${f.crp} mg/L\n` +
      `- Diagnostic : ${f.diagnosis}\n- Traitement : ${f.treatment}\n- Évolution : ${f.outcome}`,
  },
  pt: {
    person: (age, female) => `${female ? 'Mulher' : 'Homem'} de ${age} anos`,
    symptoms: ['febre e tosse produtiva', 'dor abdominal aguda', 'dispneia progressiva', 'icterícia indolor', 'cefaleia intensa', 'edema da perna esquerda'],
    findings: [
      'auscultavam-se crepitações na base pulmonar direita',
      'havia dor na fossa ilíaca direita',
      'a frequência cardíaca era de 118 batimentos por minuto',
      'as escleróticas estavam ictéricas',
      'havia rigidez da nuca',
      'a perna esquerda estava quente e edemaciada',
    ],
    diagnoses: ['pneumonia adquirida na comunidade', 'apendicite aguda', 'tromboembolismo pulmonar', 'coledocolitíase', 'meningite bacteriana', 'trombose venosa profunda'],
    treatments: ['amoxicilina endovenosa', 'apendicectomia laparoscópica', 'heparina de baixo peso molecular', 'extração endoscópica dos cálculos', 'ceftriaxona e dexametasona', 'anticoagulação oral'],
    outcomes: ['recuperou totalmente', 'teve alta ao terceiro dia', 'melhorou numa semana', 'mantinha-se bem no seguimento', 'recuperou sem sequelas', 'estava assintomático aos seis meses'],
    histories: ['Tinha antecedentes de diabetes tipo 2.', 'Sem antecedentes pessoais relevantes.', 'Tinha antecedentes de hipertensão arterial.', 'Referia hábitos tabágicos ativos.'],
    fillers: ['Não foram descritas complicações.', 'O doente foi seguido em consulta externa.', 'Este caso realça a importância do diagnóstico precoce.', 'O restante estudo foi normal.'],
    report: (f) =>
      `${f.person} que recorreu ao serviço de urgência por ${f.symptom} com ${f.days} dias de evolução. ${f.history} Ao exame objetivo, ${f.finding}. ` +
      `Analiticamente, proteína C reativa de ${f.crp} mg/L.\nFoi diagnosticada ${f.diagnosis}. Foi tratado com ${f.treatment} e ${f.outcome}. ` +
      'Foi obtido consentimento informado para a publicação.',
    summary: (f) => `${f.person} com ${f.symptom}, com diagnóstico de ${f.diagnosis}.\nFoi tratado com ${f.treatment} e ${f.outcome}.`,
    paraphrase: (f) => `${f.person} recorreu por ${f.symptom}.\nO diagnóstico foi ${f.diagnosis}.\nApós ${f.treatment}, ${f.outcome}.`,
    keyinfo: (f) =>
      `- Doente: ${f.person}\n- Motivo de admissão: ${f.symptom} com ${f.days} dias\n- Exame objetivo: ${f.finding}\n- Proteína C reativa: ${f.crp} mg/L\n` +
      `- Diagnóstico: ${f.diagnosis}\n- Tratamento: ${f.treatment}\n- Evolução: ${f.outcome}`,
  },
};

const SITUATIONS = VOCABULARY.en.symptoms.length;

/** A random case (ages 18–89, 1–14 days, CRP 3–300 mg/L). */
export function randomCase(rng: Prng): CaseFacts {
  return {
    age: 18 + rng.int(72),
    female: rng.int(2) === 1,
    days: 1 + rng.int(14),
    crp: 3 + rng.int(298),
    situation: rng.int(SITUATIONS),
    history: rng.int(VOCABULARY.en.histories.length),
    outcome: rng.int(VOCABULARY.en.outcomes.length),
  };
}

/**
 * The case's words in `lang`; with `errorRate` > 0, each of symptom, diagnosis, treatment and
 * outcome is replaced by another situation's with that probability (a system's mistakes).
 */
export function fill(lang: Lang, c: CaseFacts, rng?: Prng, errorRate = 0): Filled {
  const v = VOCABULARY[lang];
  const pick = (list: readonly string[], i: number): string => {
    if (rng === undefined || errorRate === 0 || rng.float() >= errorRate) return list[i]!;
    return list[(i + 1 + rng.int(list.length - 1)) % list.length]!;
  };
  return {
    person: v.person(c.age, c.female),
    age: c.age,
    days: c.days,
    crp: c.crp,
    symptom: pick(v.symptoms, c.situation),
    finding: v.findings[c.situation]!,
    diagnosis: pick(v.diagnoses, c.situation),
    treatment: pick(v.treatments, c.situation),
    outcome: pick(v.outcomes, c.outcome),
    history: v.histories[c.history]!,
  };
}

export function reportText(lang: Lang, f: Filled): string {
  return VOCABULARY[lang].report(f);
}

export function summaryText(lang: Lang, f: Filled): string {
  return VOCABULARY[lang].summary(f);
}

/** The summary in other words (how a weaker system tends to write it). */
export function paraphraseText(lang: Lang, f: Filled): string {
  return VOCABULARY[lang].paraphrase(f);
}

/** The `i`-th sentence (modulo their number) that a model adds and no reference has. */
export function fillerText(lang: Lang, i: number): string {
  const list = VOCABULARY[lang].fillers;
  return list[i % list.length]!;
}

export function keyinfoText(lang: Lang, f: Filled): string {
  return VOCABULARY[lang].keyinfo(f);
}
