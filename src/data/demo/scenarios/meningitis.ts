/**
 * Pneumococcal meningitis in an adult, sometimes after otitis or sinusitis: headache, fever,
 * vomiting, confusion, meningism; blood cultures and empirical treatment first, then a normal CT
 * and a purulent cerebrospinal fluid (neutrophils, low glucose against the serum glucose, high
 * protein, gram-positive diplococci); dexamethasone, ceftriaxone and vancomycin, full recovery.
 */
import type { Draw } from '../draw.js';
import type { CaseText, PatientFacts, Scenario } from '../scenario.js';
import { cap, type Writer } from '../text.js';

interface Facts extends PatientFacts {
  focus: 'otitis' | 'sinusitis' | 'none';
  hours: number;
  /** Tenths of °C. */
  temp: number;
  heartRate: number;
  systolic: number;
  diastolic: number;
  gcs: number;
  wbc: number;
  crp: number;
  cells: number;
  neutrophils: number;
  /** CSF protein, mg/dL. */
  protein: number;
  /** CSF and serum glucose, mg/dL. */
  csfGlucose: number;
  serumGlucose: number;
  afebrileDay: number;
  dischargeDay: number;
}

function draw(d: Draw): Facts {
  return {
    age: d.int(19, 65),
    sex: d.chance(0.5) ? 'female' : 'male',
    focus: d.pick(['otitis', 'sinusitis', 'none'] as const),
    hours: d.int(12, 36),
    temp: d.int(388, 401),
    heartRate: d.int(100, 124),
    systolic: d.int(108, 140),
    diastolic: d.int(60, 84),
    gcs: d.int(12, 14),
    wbc: d.step(15000, 26000, 100),
    crp: d.int(180, 340),
    cells: d.step(1200, 6800, 10),
    neutrophils: d.int(85, 95),
    protein: d.int(180, 420),
    csfGlucose: d.int(8, 30),
    serumGlucose: d.int(108, 146),
    afebrileDay: d.int(2, 4),
    dischargeDay: d.int(11, 13),
  };
}

function en(f: Facts, w: Writer): CaseText {
  const pr = w.g('he', 'she');
  const Pr = w.g('He', 'She');
  const his = w.g('his', 'her');
  const focus = { otitis: 'who had had right ear pain for a week', sinusitis: 'who had been treated for sinusitis the previous week', none: 'with no relevant history' }[f.focus];
  const p1 = [
    `${w.Person} ${focus} presented with ${f.hours} hours of severe headache, fever, vomiting and photophobia.`,
    `${cap(his)} family said that ${pr} had become increasingly confused.`,
  ];
  const p2 = [
    `On examination the temperature was ${w.dec(f.temp, 1)} °C, the heart rate ${f.heartRate} beats per minute and blood pressure ${f.systolic}/${f.diastolic} mmHg; the Glasgow Coma Scale score was ${f.gcs}.`,
    'There was marked neck stiffness with positive Kernig and Brudzinski signs, no focal neurological deficit and no rash.',
    `Blood tests showed a white cell count of ${w.int(f.wbc)}/µL and C-reactive protein ${f.crp} mg/L.`,
    `Blood cultures were drawn and empirical treatment was started at once; head CT was normal, and lumbar puncture yielded turbid cerebrospinal fluid with ${w.int(f.cells)} cells/mm³ (${f.neutrophils}% neutrophils), protein ${f.protein} mg/dL and glucose ${f.csfGlucose} mg/dL (serum glucose ${f.serumGlucose} mg/dL).`,
    'Gram staining showed gram-positive diplococci, and the culture grew Streptococcus pneumoniae susceptible to ceftriaxone.',
  ];
  const p3 = [
    'Pneumococcal meningitis was diagnosed.',
    `${Pr} received dexamethasone, started with the first antibiotic dose, together with ceftriaxone 2 g every 12 hours and vancomycin, which was stopped once susceptibility was known.`,
    `${Pr} was fully alert within 48 hours and afebrile by day ${f.afebrileDay}.`,
    ...(f.focus === 'otitis' ? ['The right otitis media was treated with myringotomy.'] : []),
    `After 10 days of ceftriaxone, ${pr} was discharged on day ${f.dischargeDay} with a normal neurological examination and normal audiometry.`,
  ];
  const summary = [
    `${w.Person} presented with ${f.hours} hours of headache, fever, vomiting, confusion and neck stiffness.`,
    `Cerebrospinal fluid showed ${w.int(f.cells)} cells/mm³, low glucose and high protein, and grew Streptococcus pneumoniae.`,
    'Pneumococcal meningitis was treated with dexamethasone and ceftriaxone, with full recovery.',
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'pneumococcal meningitis', shared: [w.person, `${w.int(f.cells)} cells/mm³`] };
}

function es(f: Facts, w: Writer): CaseText {
  const focus = { otitis: ', con otalgia derecha desde hacía una semana,', sinusitis: `, ${w.g('tratado', 'tratada')} la semana anterior por una sinusitis,`, none: ', sin antecedentes de interés,' }[f.focus];
  const p1 = [
    `${w.Person}${focus} consultó por cefalea intensa, fiebre, vómitos y fotofobia de ${f.hours} horas de evolución.`,
    `Sus familiares referían que estaba cada vez más ${w.g('confuso', 'confusa')}.`,
  ];
  const p2 = [
    `En la exploración presentaba una temperatura de ${w.dec(f.temp, 1)} °C, frecuencia cardíaca de ${f.heartRate} lpm y presión arterial de ${f.systolic}/${f.diastolic} mmHg, con una puntuación de ${f.gcs} en la escala de coma de Glasgow.`,
    'Había una rigidez de nuca marcada con signos de Kernig y Brudzinski positivos, sin focalidad neurológica ni lesiones cutáneas.',
    `La analítica mostró leucocitosis de ${w.int(f.wbc)}/mm³ y proteína C reactiva de ${f.crp} mg/L.`,
    `Tras extraer hemocultivos se inició tratamiento empírico de inmediato; la TC craneal fue normal y la punción lumbar obtuvo un líquido cefalorraquídeo turbio, con ${w.int(f.cells)} células/mm³ (${f.neutrophils} % de neutrófilos), proteínas de ${f.protein} mg/dL y glucosa de ${f.csfGlucose} mg/dL (glucemia de ${f.serumGlucose} mg/dL).`,
    'La tinción de Gram mostró diplococos grampositivos, y en el cultivo creció Streptococcus pneumoniae sensible a ceftriaxona.',
  ];
  const p3 = [
    'Se diagnosticó meningitis neumocócica.',
    'Recibió dexametasona, iniciada con la primera dosis de antibiótico, junto con ceftriaxona 2 g cada 12 horas y vancomicina, que se suspendió al conocer el antibiograma.',
    `El nivel de conciencia se normalizó en 48 horas y la fiebre cedió el día ${f.afebrileDay}.`,
    ...(f.focus === 'otitis' ? ['La otitis media derecha se trató con miringotomía.'] : []),
    `Tras 10 días de ceftriaxona, fue ${w.g('dado', 'dada')} de alta el día ${f.dischargeDay} con exploración neurológica y audiometría normales.`,
  ];
  const summary = [
    `${w.Person} consultó por cefalea, fiebre, vómitos, confusión y rigidez de nuca de ${f.hours} horas.`,
    `El líquido cefalorraquídeo mostró ${w.int(f.cells)} células/mm³, glucosa baja y proteínas elevadas, y en el cultivo creció Streptococcus pneumoniae.`,
    'La meningitis neumocócica se trató con dexametasona y ceftriaxona, con recuperación completa.',
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'meningitis neumocócica', shared: [w.person, `${w.int(f.cells)} células/mm³`] };
}

function fr(f: Facts, w: Writer): CaseText {
  const pr = w.g('il', 'elle');
  const Pr = w.g('Il', 'Elle');
  const focus = { otitis: ", qui se plaignait d'une otalgie droite depuis une semaine,", sinusitis: `, ${w.g('traité', 'traitée')} la semaine précédente pour une sinusite,`, none: ', sans antécédent notable,' }[f.focus];
  const p1 = [
    `${w.Person}${focus} a consulté pour des céphalées intenses, une fièvre, des vomissements et une photophobie depuis ${f.hours} heures.`,
    'Son entourage rapportait une confusion croissante.',
  ];
  const p2 = [
    `À l'examen, la température était de ${w.dec(f.temp, 1)} °C, la fréquence cardiaque de ${f.heartRate}/min et la pression artérielle de ${f.systolic}/${f.diastolic} mmHg ; le score de Glasgow était à ${f.gcs}.`,
    'La raideur de nuque était franche, sans signe de localisation ni purpura.',
    `La biologie montrait une hyperleucocytose à ${w.int(f.wbc)}/mm³ et une protéine C réactive à ${f.crp} mg/L.`,
    `Après les hémocultures, le traitement probabiliste a été débuté sans délai ; le scanner cérébral était normal et la ponction lombaire ramenait un liquide céphalorachidien trouble, avec ${w.int(f.cells)} éléments/mm³ (${f.neutrophils} % de neutrophiles), une protéinorachie à ${w.dec(f.protein, 2)} g/L et une glycorachie à ${w.dec(f.csfGlucose, 2)} g/L (glycémie à ${w.dec(f.serumGlucose, 2)} g/L).`,
    "L'examen direct montrait des diplocoques à Gram positif, et la culture un pneumocoque (Streptococcus pneumoniae) sensible à la ceftriaxone.",
  ];
  const p3 = [
    'Le diagnostic de méningite à pneumocoque a été retenu.',
    `${Pr} a reçu de la dexaméthasone, débutée avec la première dose d'antibiotique, associée à la ceftriaxone 2 g toutes les 12 heures et à la vancomycine, arrêtée au vu de l'antibiogramme.`,
    `La conscience s'est normalisée en 48 heures et l'apyrexie a été obtenue à J${f.afebrileDay}.`,
    ...(f.focus === 'otitis' ? ["L'otite moyenne droite a été traitée par paracentèse."] : []),
    `Après 10 jours de ceftriaxone, ${pr} est ${w.g('sorti', 'sortie')} à J${f.dischargeDay} avec un examen neurologique et un audiogramme normaux.`,
  ];
  const summary = [
    `${w.Person} a consulté pour céphalées, fièvre, vomissements, confusion et raideur de nuque depuis ${f.hours} heures.`,
    `Le liquide céphalorachidien contenait ${w.int(f.cells)} éléments/mm³, avec hypoglycorachie et hyperprotéinorachie, et la culture a isolé un pneumocoque.`,
    'La méningite à pneumocoque a guéri sans séquelle sous dexaméthasone et ceftriaxone.',
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'méningite à pneumocoque', shared: [w.person, `${w.int(f.cells)} éléments/mm³`] };
}

function pt(f: Facts, w: Writer): CaseText {
  const focus = { otitis: ', com otalgia à direita havia uma semana,', sinusitis: `, ${w.g('tratado', 'tratada')} de sinusite na semana anterior,`, none: ', sem antecedentes relevantes,' }[f.focus];
  const p1 = [
    `${w.Person}${focus} procurou o pronto-socorro por cefaleia intensa, febre, vômitos e fotofobia com ${f.hours} horas de evolução.`,
    'Os familiares relatavam confusão mental progressiva.',
  ];
  const p2 = [
    `Ao exame, apresentava temperatura de ${w.dec(f.temp, 1)} °C, frequência cardíaca de ${f.heartRate} bpm, pressão arterial de ${f.systolic}/${f.diastolic} mmHg e escala de coma de Glasgow de ${f.gcs}.`,
    'Havia rigidez de nuca acentuada, com sinais de Kernig e Brudzinski positivos, sem déficit focal nem lesões de pele.',
    `Os exames mostraram leucocitose de ${w.int(f.wbc)}/mm³ e proteína C reativa de ${f.crp} mg/L.`,
    `Após a coleta de hemoculturas, o tratamento empírico foi iniciado imediatamente; a tomografia de crânio foi normal, e a punção lombar mostrou líquor turvo, com ${w.int(f.cells)} células/mm³ (${f.neutrophils}% de neutrófilos), proteína de ${f.protein} mg/dL e glicose de ${f.csfGlucose} mg/dL (glicemia de ${f.serumGlucose} mg/dL).`,
    'O Gram mostrou diplococos gram-positivos, e a cultura isolou Streptococcus pneumoniae sensível à ceftriaxona.',
  ];
  const p3 = [
    'Foi feito o diagnóstico de meningite pneumocócica.',
    `${w.g('O paciente', 'A paciente')} recebeu dexametasona, iniciada junto com a primeira dose de antibiótico, além de ceftriaxona 2 g a cada 12 horas e vancomicina, suspensa após o antibiograma.`,
    `O nível de consciência normalizou-se em 48 horas, e a febre cedeu no ${f.afebrileDay}º dia.`,
    ...(f.focus === 'otitis' ? ['A otite média à direita foi tratada com miringotomia.'] : []),
    `Após 10 dias de ceftriaxona, recebeu alta no ${f.dischargeDay}º dia com exame neurológico e audiometria normais.`,
  ];
  const summary = [
    `${w.Person} apresentou cefaleia, febre, vômitos, confusão e rigidez de nuca havia ${f.hours} horas.`,
    `O líquor mostrou ${w.int(f.cells)} células/mm³, glicose baixa e proteína elevada, e a cultura isolou Streptococcus pneumoniae.`,
    'A meningite pneumocócica foi tratada com dexametasona e ceftriaxona, com recuperação completa.',
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'meningite pneumocócica', shared: [w.person, `${w.int(f.cells)} células/mm³`] };
}

export const meningitis: Scenario<Facts> = { id: 'meningitis', draw, text: { en, es, fr, pt } };
